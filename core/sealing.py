"""Secrets kept in the database (network sessions) are sealed: encrypted and authenticated
with a key from the environment (``NETWORK_TOKEN_KEY``), so a database dump alone reveals
none of them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SealBroken(Exception):
    """A sealed value that this key cannot open (another key, or tampered with)."""


def _fernet(key: str | None = None) -> Fernet:
    secret = (key if key is not None else settings.NETWORK_TOKEN_KEY).encode("utf-8")
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"seal:" + secret).digest()))


def seal(text: str, *, key: str | None = None) -> str:
    return _fernet(key).encrypt(text.encode("utf-8")).decode("ascii")


def unseal(sealed: str, *, key: str | None = None) -> str:
    try:
        return _fernet(key).decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError) as error:
        raise SealBroken("This secret cannot be opened with the configured key.") from error

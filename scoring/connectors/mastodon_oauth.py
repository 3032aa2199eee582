"""Connecting a Mastodon account: the instance's address as a member types it, and the
OAuth steps through the official library (``Mastodon.py``). Klout Fair's app is registered on
an instance on first use (read scope); the member approves it there; the code they come
back with is exchanged for the access token the sync reads with (``mastodon``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mastodon import Mastodon
from mastodon import errors as mx

from scoring.connectors.mastodon import KNOWN_VERSION, SCOPES, TIMEOUT, translated

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def instance_url(text: str, *, allow_http: bool = False) -> str:
    """The base URL of an instance from what a member typed (``mastodon.social``,
    ``https://mastodon.social/``, ``@ana@mastodon.social``); raises ValueError."""
    text = (text or "").strip()
    if text.count("@") >= 1 and "://" not in text:
        text = text.rsplit("@", 1)[1]
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").lower()
    local = allow_http and host in ("127.0.0.1", "localhost")
    if parts.scheme not in (("http", "https") if allow_http else ("https",)):
        raise ValueError("An instance address starts with https://.")
    if not (local or DOMAIN_RE.match(host)):
        raise ValueError(f"{text!r} is not an instance's address, such as mastodon.social.")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def app_register(*, base_url: str, redirect_uri: str, website: str = "") -> tuple[str, str]:
    """Register Klout Fair on the instance (read only): its client id and secret."""
    try:
        return Mastodon.create_app(
            "Klout Fair",
            scopes=SCOPES,
            redirect_uris=redirect_uri,
            website=website or None,
            api_base_url=base_url,
            request_timeout=TIMEOUT,
        )
    except mx.MastodonError as error:
        raise translated(error, api=None, what="its app registration") from None


def _as_app(base_url: str, client_id: str, client_secret: str, **extra) -> Mastodon:
    """The library speaking as Klout Fair's app on the instance."""
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=base_url,
        request_timeout=TIMEOUT,
        mastodon_version=KNOWN_VERSION,
        **extra,
    )


def authorize_url(
    *, base_url: str, client_id: str, client_secret: str, redirect_uri: str, state: str
) -> str:
    """Where the member approves read access on their instance."""
    api = _as_app(base_url, client_id, client_secret)
    return api.auth_request_url(
        redirect_uris=redirect_uri,
        scopes=SCOPES,
        state=state,
        skip_server_info=True,
        allow_http=base_url.startswith("http://"),
    )


def token_exchange(
    *, base_url: str, client_id: str, client_secret: str, redirect_uri: str, code: str
) -> str:
    """The access token for the code the instance handed back."""
    api = _as_app(base_url, client_id, client_secret)
    try:
        return api.log_in(
            code=code,
            redirect_uri=redirect_uri,
            scopes=SCOPES,
            allow_http=base_url.startswith("http://"),
        )
    except mx.MastodonError as error:
        raise translated(error, api=api, what="the approval") from None


def token_revoke(*, base_url: str, client_id: str, client_secret: str, token: str) -> None:
    """Ask the instance to forget an access token (``POST /oauth/revoke``)."""
    api = _as_app(base_url, client_id, client_secret, access_token=token)
    try:
        api.revoke_access_token(allow_http=base_url.startswith("http://"))
    except mx.MastodonError as error:
        raise translated(error, api=api, what="the revocation") from None

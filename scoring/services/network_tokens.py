"""The tokens a network gave for an account its member connected by logging in (X, Facebook
and its pages, Mastodon): kept sealed in the account's NetworkSession, renewed when they
expire (X's last two hours), and revoked at the network when the member disconnects.

allauth is told not to store tokens (``SOCIALACCOUNT_STORE_TOKENS = False``: its table keeps
them in clear); the login's token is sealed here instead.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from allauth.socialaccount.adapter import get_adapter
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.sealing import SealBroken, seal, unseal
from scoring.connectors import mastodon_oauth, x
from scoring.connectors.base import ConnectorError, SessionExpired
from scoring.models import MastodonApp, NetworkAccount, NetworkSession

logger = logging.getLogger(__name__)
RENEW_BEFORE = timedelta(minutes=2)  # a token this close to expiry is renewed first
X_PROVIDER = "twitter_oauth2"


def oauth_token_keep(
    *, account: NetworkAccount, token: str, refresh: str = "", expires_at: datetime | None = None
) -> None:
    """Seal the login's token (and refresh token) for the account, replacing any before."""
    access = {
        "token": token,
        "refresh": refresh or "",
        "expires_at": expires_at.isoformat() if expires_at else None,
    }
    NetworkSession.objects.update_or_create(
        account=account,
        defaults={"sealed": seal(json.dumps(access)), "refreshed_at": timezone.now()},
    )


def oauth_access(account: NetworkAccount) -> dict:
    """The sealed access of the account; SessionExpired when there is none to read."""
    stored = NetworkSession.objects.filter(account=account).values_list("sealed", flat=True)
    try:
        access = json.loads(unseal(stored[0])) if stored else None
    except (SealBroken, ValueError):
        access = None
    if not isinstance(access, dict) or not access.get("token"):
        raise SessionExpired(
            f"Your {account.network_label} access can no longer be read: connect again."
        )
    return access


def _expiring(access: dict) -> bool:
    try:
        expires = datetime.fromisoformat(access["expires_at"]) if access.get("expires_at") else None
    except (TypeError, ValueError):
        return True
    return expires is not None and expires - timezone.now() < RENEW_BEFORE


def x_app() -> tuple[str, str]:
    """Klout Fair's X app: its client id and secret (allauth's configuration)."""
    app = get_adapter().get_app(None, provider=X_PROVIDER)
    return app.client_id, app.secret


def x_token(account: NetworkAccount) -> str:
    """A working X access token for the account: the stored one, or a renewed one when it
    is about to expire."""
    access = oauth_access(account)
    return x_token_renew(account) if _expiring(access) else access["token"]


def x_token_renew(account: NetworkAccount) -> str:
    """Trade the stored refresh token for a new pair (X rotates both) and seal them. Called
    before a sync when the token expires, and by the connector when X says it has."""
    access = oauth_access(account)
    if not access.get("refresh"):
        raise SessionExpired("X gave no way to renew our access: connect X again.")
    client_id, secret = x_app()
    renewed = x.refresh_tokens(
        api_url=settings.X_API_URL,
        client_id=client_id,
        client_secret=secret,
        refresh_token=access["refresh"],
    )
    with transaction.atomic():
        oauth_token_keep(
            account=account,
            token=renewed["access_token"],
            refresh=renewed.get("refresh_token") or access["refresh"],
            expires_at=renewed.get("expires_at"),
        )
    return renewed["access_token"]


def sealed_session(account: NetworkAccount) -> str | None:
    """The account's sealed session as stored, for revoking it after the account is gone."""
    return NetworkSession.objects.filter(account=account).values_list("sealed", flat=True).first()


def token_revoke(*, network: str, sealed: str) -> bool:
    """Ask the network to forget the access a member gave (after they disconnected), so the
    token is worthless even to someone who copied it. Best effort: a network that does not
    answer is logged, and the account is gone from Klout Fair either way. Facebook has no
    revocation of one page's token short of removing the app for the whole login, which the
    member does in Facebook's own settings."""
    try:
        access = json.loads(unseal(sealed))
    except (SealBroken, ValueError):
        return False
    try:
        if network == x.NETWORK:
            client_id, secret = x_app()
            x.revoke(
                api_url=settings.X_API_URL,
                client_id=client_id,
                client_secret=secret,
                token=access.get("refresh") or access["token"],
            )
            return True
        if network == "mastodon":
            app = MastodonApp.objects.filter(instance=access.get("instance")).first()
            if app is None:
                return False
            mastodon_oauth.token_revoke(
                base_url=app.instance,
                client_id=app.client_id,
                client_secret=unseal(app.sealed_secret),
                token=access["token"],
            )
            return True
    except (ConnectorError, SealBroken, KeyError) as error:
        logger.warning("revoking a %s token failed: %s", network, error)
    return False

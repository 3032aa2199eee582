"""Which connector reads an account: Bluesky's public AppView, or the member's own
Mastodon instance with the access they granted (sealed in their NetworkSession)."""

from __future__ import annotations

import json

from django.conf import settings

from core.sealing import SealBroken, unseal
from scoring.connectors import bluesky, mastodon
from scoring.connectors.base import Connector, SessionExpired
from scoring.errors import SyncNotPossible
from scoring.models import NetworkAccount, NetworkSession

LIVE_NETWORKS = (bluesky.NETWORK, mastodon.NETWORK)  # read by Klout Fair itself


def syncs(network: str) -> bool:
    return network in LIVE_NETWORKS


def connector_for(account: NetworkAccount) -> Connector:
    """The connector that reads the account: Bluesky's public AppView, or the member's own
    Mastodon instance with their access token."""
    if account.network == bluesky.NETWORK:
        return bluesky.BlueskyConnector(
            appview_url=settings.BLUESKY_APPVIEW_URL,
            concurrency=settings.SYNC_CONCURRENCY,
        )
    if account.network == mastodon.NETWORK:
        access = mastodon_access(account)
        return mastodon.MastodonConnector(
            base_url=access["instance"],
            access_token=access["token"],
            concurrency=settings.SYNC_CONCURRENCY,
        )
    raise SyncNotPossible(f"Klout Fair cannot read {account.network} by itself yet.")


def public_reader(network: str) -> Connector | None:
    """A connector that reads public accounts without a member's login (Bluesky's AppView),
    or None for a network that needs the member's own access."""
    if network == bluesky.NETWORK:
        return bluesky.BlueskyConnector(appview_url=settings.BLUESKY_APPVIEW_URL)
    return None


def mastodon_access(account: NetworkAccount) -> dict:
    """The instance and access token the member granted (sealed in their NetworkSession)."""
    stored = NetworkSession.objects.filter(account=account).first()
    try:
        access = json.loads(unseal(stored.sealed)) if stored is not None else None
    except (SealBroken, ValueError):
        access = None
    if not isinstance(access, dict) or not access.get("token"):
        raise SessionExpired("Your Mastodon access can no longer be read: connect again.")
    return access

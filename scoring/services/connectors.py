"""Which connector reads an account: Bluesky's public AppView; the member's own Mastodon
instance, X or Facebook page with the access they granted (sealed in their NetworkSession);
a blog's public feeds once the member proved it is theirs."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection

from scoring.connectors import blog, bluesky, facebook, mastodon, x
from scoring.connectors.base import Connector, Refused, SessionExpired
from scoring.errors import SyncNotPossible
from scoring.models import NetworkAccount
from scoring.services.network_tokens import oauth_access, x_token, x_token_renew

# Read by Klout Fair itself.
LIVE_NETWORKS = (bluesky.NETWORK, mastodon.NETWORK, x.NETWORK, facebook.NETWORK, blog.NETWORK)


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
    if account.network == x.NETWORK:
        return _x_reader(account)
    if account.network == facebook.NETWORK:
        return facebook.FacebookPageConnector(
            graph_url=settings.FACEBOOK_GRAPH_URL,
            page_token=oauth_access(account)["token"],
            concurrency=settings.SYNC_CONCURRENCY,
        )
    if account.network == blog.NETWORK:
        if not account.source == NetworkAccount.Source.SITE:
            raise Refused("This blog was not proven with a code, so it is not read.")
        return blog.BlogConnector(
            feed_url=account.external_id, allow_private=settings.BLOG_ALLOW_PRIVATE
        )
    raise SyncNotPossible(f"Klout Fair cannot read {account.network} by itself yet.")


def _x_reader(account: NetworkAccount) -> Connector:
    """X with the member's token, renewed first when it is about to expire and again when X
    says it has (its access tokens last two hours; a backfill can outlive one)."""

    def renew() -> str:  # called from the sync's reader thread: its connection is its own
        try:
            return x_token_renew(account)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    return x.XConnector(
        access_token=x_token(account),
        api_url=settings.X_API_URL,
        refresh=renew,
        concurrency=settings.SYNC_CONCURRENCY,
    )


def public_reader(network: str) -> Connector | None:
    """A connector that reads public accounts without a member's login (Bluesky's AppView),
    or None for a network that needs the member's own access."""
    if network == bluesky.NETWORK:
        return bluesky.BlueskyConnector(appview_url=settings.BLUESKY_APPVIEW_URL)
    return None


def mastodon_access(account: NetworkAccount) -> dict:
    """The instance and access token the member granted (sealed in their NetworkSession)."""
    access = oauth_access(account)
    if not access.get("instance"):
        raise SessionExpired("Your Mastodon access can no longer be read: connect again.")
    return access

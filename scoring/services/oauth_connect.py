"""Networks connected through a login with them (django-allauth): X, whose token the sync
reads with, and Facebook, whose login lets a member connect the pages they manage.

1. A login with X or Facebook connects the account by proof (scoring.receivers); its token
   is sealed here (``oauth_login_keep``). An X account's first sync is queued at once.
2. A Facebook page: the member's Facebook login, granted the page permissions, lists the
   pages they manage (``facebook_pages_managed``); the one they choose is connected with its
   own page token (``facebook_page_connect``). Facebook saying the member manages the page is
   the proof.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.sealing import seal
from scoring.connectors import facebook, x
from scoring.connectors.base import ConnectorError, Refused, SessionExpired
from scoring.errors import FacebookLoginNeeded, NetworkConnectFailed
from scoring.models import Member, NetworkAccount, NetworkSession, SyncState
from scoring.services.members import network_account_connect
from scoring.services.network_tokens import oauth_access, oauth_token_keep
from scoring.services.sync import sync_queue

FACEBOOK_PROFILE = "facebook"


def oauth_login_keep(*, account: NetworkAccount, token) -> None:
    """Seal the token of a login with the account's network (allauth's SocialToken, not
    saved by allauth). For X, the account's sync is queued: its first one is the backfill."""
    if account.network not in (x.NETWORK, FACEBOOK_PROFILE) or not getattr(token, "token", ""):
        return
    with transaction.atomic():
        oauth_token_keep(
            account=account,
            token=token.token,
            refresh=token.token_secret or "",
            expires_at=token.expires_at,
        )
        if account.network == x.NETWORK:
            SyncState.objects.get_or_create(account=account)
            if account.member.is_opted_in:
                sync_queue(account.pk, timezone.now())


def facebook_login_of(member: Member) -> NetworkAccount | None:
    return NetworkAccount.objects.filter(member=member, network=FACEBOOK_PROFILE).first()


def facebook_pages_managed(*, member: Member) -> list[facebook.ManagedPage]:
    """The pages the member manages, as their Facebook login sees them. Raises
    FacebookLoginNeeded when there is no login with the page permissions to ask with (the
    member is sent to Facebook to grant them)."""
    login = facebook_login_of(member)
    if login is None:
        raise FacebookLoginNeeded("Log in with Facebook to choose one of your pages.")
    try:
        user_token = oauth_access(login)["token"]
        pages = facebook.managed_pages(graph_url=settings.FACEBOOK_GRAPH_URL, user_token=user_token)
    except (SessionExpired, Refused):
        raise FacebookLoginNeeded(
            "Facebook needs you to allow Klout Fair to read your pages: continue with Facebook."
        ) from None
    except ConnectorError as error:
        raise NetworkConnectFailed(f"Facebook: {error.message}") from None
    if not pages:  # Graph lists none until the member lets Klout Fair see their pages
        raise FacebookLoginNeeded(
            "Facebook shows Klout Fair none of your pages yet: continue with Facebook and "
            "allow it to see the page you want to connect."
        )
    return pages


def facebook_page_connect(*, member: Member, page_id: str) -> NetworkAccount:
    """Connect one page the member manages (Facebook says so, now) and queue its first
    sync; NetworkConnectFailed when the page is not among theirs."""
    chosen = next((p for p in facebook_pages_managed(member=member) if p.id == page_id), None)
    if chosen is None:
        raise NetworkConnectFailed(
            "Facebook does not list that page among the pages you manage.", field="page"
        )
    with transaction.atomic():
        account = network_account_connect(
            member=member,
            network=facebook.NETWORK,
            external_id=chosen.id,
            handle=chosen.name[:191],
            source=NetworkAccount.Source.OAUTH,
        )
        NetworkSession.objects.update_or_create(
            account=account,
            defaults={
                "sealed": seal(json.dumps({"token": chosen.access_token})),
                "refreshed_at": timezone.now(),
            },
        )
        SyncState.objects.get_or_create(account=account)
        sync_queue(account.pk, timezone.now())
    return account

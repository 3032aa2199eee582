"""Connecting a Mastodon account by OAuth on the member's own instance.

1. ``mastodon_connect_start``: the instance's address is checked, Klout Fair's app is
   registered there on first use (read scope; client id and secret kept per instance), and
   the member is sent to the instance to approve it, with a one-time ``state`` bound to them.
2. ``mastodon_connect_finish``: back from the instance, the state is checked against the
   member who started (so nobody can make another member's browser link an account to
   them), the code is exchanged for an access token, the account the token belongs to is
   read, and it is connected by proof (OAUTH), its access sealed, its first sync queued.
"""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.sealing import SealBroken, seal, unseal
from scoring.connectors import mastodon, mastodon_oauth
from scoring.connectors.base import ConnectorError
from scoring.errors import NetworkConnectFailed
from scoring.models import MastodonApp, Member, NetworkAccount, NetworkSession, SyncState
from scoring.services.members import network_account_connect
from scoring.services.sync import sync_queue

PENDING_SECONDS = 15 * 60  # how long an approval started may take


def _pending_key(state: str) -> str:
    return f"mastodon-oauth:{state}"


def mastodon_connect_start(*, member: Member, instance: str, redirect_uri: str) -> str:
    """The URL on the member's instance where they approve read access."""
    try:
        base_url = mastodon_oauth.instance_url(instance, allow_http=settings.MASTODON_ALLOW_HTTP)
    except ValueError as error:
        raise NetworkConnectFailed(str(error), field="instance") from None
    app = _app_on(base_url, redirect_uri)
    state = secrets.token_urlsafe(24)
    cache.set(_pending_key(state), {"member": member.pk, "instance": base_url}, PENDING_SECONDS)
    return mastodon_oauth.authorize_url(
        base_url=base_url,
        client_id=app.client_id,
        client_secret=unseal(app.sealed_secret),
        redirect_uri=redirect_uri,
        state=state,
    )


def _app_on(base_url: str, redirect_uri: str) -> MastodonApp:
    """Klout Fair's app on the instance: registered on first use, and again when this site's
    address (its redirect URI) has changed."""
    app = MastodonApp.objects.filter(instance=base_url).first()
    if app is not None and app.redirect_uri == redirect_uri:
        try:
            unseal(app.sealed_secret)
            return app
        except SealBroken:  # the key changed: register again
            pass
    try:  # a network call: before any transaction
        registered = mastodon_oauth.app_register(base_url=base_url, redirect_uri=redirect_uri)
        client_id, secret = registered
    except ConnectorError as error:
        raise NetworkConnectFailed(
            f"{mastodon.domain_of(base_url)} did not let us register: {error.message}",
            field="instance",
        ) from None
    values = {"client_id": client_id, "sealed_secret": seal(secret), "redirect_uri": redirect_uri}
    try:
        app, _ = MastodonApp.objects.update_or_create(instance=base_url, defaults=values)
    except IntegrityError:  # registered at the same moment by another request: use theirs
        app = MastodonApp.objects.get(instance=base_url)
    return app


def mastodon_connect_finish(
    *, member: Member, state: str, code: str, error: str, redirect_uri: str
) -> NetworkAccount:
    """Connect the account the member approved; raises NetworkConnectFailed, connecting
    nothing, when the approval is missing, refused, expired or not theirs."""
    pending = cache.get(_pending_key(state or "")) if state else None
    if pending is not None:
        cache.delete(_pending_key(state))  # one use
    if pending is None or pending["member"] != member.pk:
        raise NetworkConnectFailed(
            "This approval has expired or was not started here: connect Mastodon again."
        )
    if error or not code:
        raise NetworkConnectFailed(
            "Your instance says the access was not approved, so nothing was connected."
        )
    base_url = pending["instance"]
    app = MastodonApp.objects.get(instance=base_url)
    try:  # network calls: before any transaction
        token = mastodon_oauth.token_exchange(
            base_url=base_url,
            client_id=app.client_id,
            client_secret=unseal(app.sealed_secret),
            redirect_uri=redirect_uri,
            code=code,
        )
        profile = mastodon.MastodonConnector(base_url=base_url, access_token=token).profile()
    except ConnectorError as failure:
        raise NetworkConnectFailed(f"Mastodon: {failure.message}") from None
    with transaction.atomic():
        account = network_account_connect(
            member=member,
            network=mastodon.NETWORK,
            external_id=profile.account_id,
            handle=profile.handle,
            source=NetworkAccount.Source.OAUTH,
        )
        now = timezone.now()
        access = json.dumps({"instance": base_url, "token": token})
        NetworkSession.objects.update_or_create(
            account=account, defaults={"sealed": seal(access), "refreshed_at": now}
        )
        SyncState.objects.get_or_create(account=account)
        sync_queue(account.pk, now)
    return account

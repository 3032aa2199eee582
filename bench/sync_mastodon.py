"""A Mastodon backfill against a local fake instance, of the same shape as bench/sync.py's
Bluesky one: 1,000 statuses and 50,000 favourites, reblogs and replies, served from another
process; the requests made against the fewest the pages allow.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/sync_mastodon.py
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._setup import django_setup, result  # noqa: E402
from bench.sync import ENGAGEMENTS, FANS, POSTS  # noqa: E402

MASTODON_PARTS = {"favourites": 30, "reblogs": 10, "replies": 10}  # per status: 50 in all


def _serve_mastodon(queue, now: datetime) -> None:
    from tests.scoring.mastodon_fake import MastodonFake

    fake = MastodonFake()
    member = fake.account("member")
    fans = [fake.account(f"fan{n:05d}", domain="fans.example") for n in range(FANS)]
    pick = random.Random(7)
    for number in range(POSTS):
        at = now - timedelta(hours=number + 1)
        status = fake.status(member, f"post {number} #coffee", at, tags=["coffee"])
        for k, fan in enumerate(pick.sample(fans, MASTODON_PARTS["favourites"])):
            fake.favourite(status, fan, at + timedelta(minutes=k + 1))
        for k, fan in enumerate(pick.sample(fans, MASTODON_PARTS["reblogs"])):
            fake.reblog(status, fan, at + timedelta(minutes=35 + k))
        for k, fan in enumerate(pick.sample(fans, MASTODON_PARTS["replies"])):
            fake.reply(status, fan, "nice", at + timedelta(minutes=50 + k))
    queue.put((fake.url, fake.token_for(member)))
    fake.server.serve_forever(poll_interval=0.05)


def _mastodon_fewest() -> int:
    """Who the token is, the notification mark, the statuses in pages of 40, and for each
    status its favourites and reblogs in pages of 80 and its context."""
    from scoring.connectors import mastodon

    per_status = sum(
        math.ceil(MASTODON_PARTS[part] / mastodon.PEOPLE_PAGE) for part in ("favourites", "reblogs")
    )
    return 2 + math.ceil(POSTS / mastodon.STATUS_PAGE) + POSTS * (per_status + 1)


def bench_mastodon() -> None:
    import httpx

    from core.sealing import seal
    from scoring.connectors import mastodon
    from scoring.models import Member, NetworkAccount, NetworkSession, SyncState
    from scoring.services.sync import network_account_sync

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    server = context.Process(target=_serve_mastodon, args=(queue, datetime.now(UTC)), daemon=True)
    server.start()
    url, token = queue.get(timeout=300)
    try:
        member = Member.objects.create(is_demo=True, opted_in_at=datetime.now(UTC))
        account = NetworkAccount.objects.create(
            member=member,
            network="mastodon",
            external_id=f"member@{mastodon.domain_of(url)}",
            source=NetworkAccount.Source.OAUTH,
        )
        access = json.dumps({"instance": url, "token": token})
        NetworkSession.objects.create(account=account, sealed=seal(access))
        SyncState.objects.create(account=account)
        count = f"{url}/api/v1/fake/requests"
        before = httpx.get(count).json()["count"]
        started = time.perf_counter()
        network_account_sync(account_id=account.pk)
        seconds = time.perf_counter() - started
        made = httpx.get(count).json()["count"] - before - 1  # not the count asked before
    finally:
        server.terminate()
    state = SyncState.objects.get(account=account)
    assert state.status == "ok" and state.actions_stored == ENGAGEMENTS, state.__dict__
    fewest = _mastodon_fewest()
    print(
        f"mastodon backfill: {POSTS:,} statuses, {state.actions_stored:,} actions in "
        f"{seconds:.2f}s ({state.actions_stored / seconds:,.0f} actions/s, {made:,} requests)"
    )
    result("mastodon-requests", made, "requests", fewest, "fewest", made / fewest, 1.1)


if __name__ == "__main__":
    print(f"database: {django_setup('bench_sync_mastodon')}")
    bench_mastodon()

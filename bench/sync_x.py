"""An X backfill against a local fake API, of the same shape as bench/sync.py's Bluesky one:
1,000 posts and 50,000 likes, reposts, quotes and replies, served from another process;
the requests made against the fewest the pages allow.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/sync_x.py
"""

from __future__ import annotations

import math
import multiprocessing
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._setup import django_setup, result  # noqa: E402
from bench.sync import ENGAGEMENTS, FANS, POSTS  # noqa: E402

X_PARTS = {"likes": 30, "retweets": 10, "quotes": 5, "replies": 5}  # per post: 50 in all
assert POSTS * sum(X_PARTS.values()) == ENGAGEMENTS


def _serve_x(ready, done, now: datetime) -> None:
    """Builds the world, serves it from a thread, and once told the sync is over hands
    back what the fake itself answered: its requests by endpoint."""
    from tests.scoring.x_fake import XFake

    fake = XFake()
    fake.limits = {name: 10**9 for name in fake.limits}  # X's 15-minute windows: not here
    # A user's id is a snowflake of when they joined: one moment each, or ids collide.
    joined = [now - timedelta(days=400, minutes=n) for n in range(FANS + 1)]
    member = fake.user("member", created_at=joined[FANS])
    fans = [fake.user(f"fan{n:05d}", created_at=joined[n]) for n in range(FANS)]
    pick = random.Random(7)
    for number in range(POSTS):
        at = now - timedelta(hours=number + 1)
        post = fake.tweet(member, f"post {number} #coffee", at)
        for fan in pick.sample(fans, X_PARTS["likes"]):
            fake.like(post, fan)
        for k, fan in enumerate(pick.sample(fans, X_PARTS["retweets"])):
            fake.retweet(post, fan, at + timedelta(minutes=k + 1))
        for k, fan in enumerate(pick.sample(fans, X_PARTS["quotes"])):
            fake.quote(post, fan, "look", at + timedelta(minutes=40 + k))
        for k, fan in enumerate(pick.sample(fans, X_PARTS["replies"])):
            fake.reply(post, fan, "nice", at + timedelta(minutes=50 + k))  # mentions member
    token, refresh = fake.grant(member)
    fake.start()
    ready.put((fake.url, member.id, token, refresh))
    done.get()  # the sync is over
    with fake.lock:
        ready.put(dict(Counter(endpoint for endpoint, _, _ in fake.requests)))
    fake.stop()


def _x_fewest() -> tuple[int, dict]:
    """The fewest requests the walk (scoring.connectors.x._Walk) can make, by endpoint:

    - no ``get_me``: the sync knows the account's id, and the walk never asks who it is;
    - no first-mark request: the first sync has no mark, so it reads the window's mentions
      (``start_time``), and its mark is the newest id of the first page, read anyway;
    - mentions (only the replies mention the member: a quote does not) in pages of
      ``x.PAGE``; the last page being full, X gives no token for an empty one after it;
    - the posts (reposts excluded) in pages of ``x.PAGE``;
    - for each post its likers, retweeters and quotes in pages of ``x.PAGE`` each (a part
      whose public count is 0 is not asked for: here none is 0);
    - the walk's closing page and the token are free: expires_at lies far ahead, so no
      renewal (``/2/oauth2/token``) is made."""
    from scoring.connectors import x

    per_post = {
        "liking_users": math.ceil(X_PARTS["likes"] / x.PAGE),
        "retweeted_by": math.ceil(X_PARTS["retweets"] / x.PAGE),
        "quote_tweets": math.ceil(X_PARTS["quotes"] / x.PAGE),
    }
    fewest = {
        "mentions": math.ceil(POSTS * X_PARTS["replies"] / x.PAGE),
        "tweets": math.ceil(POSTS / x.PAGE),
        **{endpoint: POSTS * pages for endpoint, pages in per_post.items()},
    }
    return sum(fewest.values()), fewest


def bench_x() -> bool:
    from django.conf import settings
    from django.db.models import Count

    from scoring.connectors import x
    from scoring.models import Action, Content, Member, NetworkAccount, SyncState
    from scoring.services.network_tokens import oauth_token_keep
    from scoring.services.sync import network_account_sync

    context = multiprocessing.get_context("fork")
    ready, done = context.Queue(), context.Queue()
    server = context.Process(target=_serve_x, args=(ready, done, datetime.now(UTC)), daemon=True)
    server.start()
    try:
        url, user_id, token, refresh = ready.get(timeout=300)
        settings.X_API_URL = url
        member = Member.objects.create(is_demo=True, opted_in_at=datetime.now(UTC))
        account = NetworkAccount.objects.create(
            member=member,
            network=x.NETWORK,
            external_id=user_id,
            source=NetworkAccount.Source.OAUTH,
        )
        far = datetime.now(UTC) + timedelta(days=365)  # no renewal before or during the walk
        oauth_token_keep(account=account, token=token, refresh=refresh, expires_at=far)
        SyncState.objects.create(account=account)
        started = time.perf_counter()
        network_account_sync(account_id=account.pk)
        seconds = time.perf_counter() - started
        done.put(True)
        answered = ready.get(timeout=60)
        server.join(timeout=10)
    finally:
        if server.is_alive():
            server.terminate()
    state = SyncState.objects.get(account=account)
    made = sum(answered.values())
    stored = Action.objects.filter(subject=account)
    kinds = dict(stored.values_list("kind").annotate(n=Count("id")).order_by("kind"))
    actions = sum(kinds.values())
    posts = Content.objects.filter(account=account).count()
    fewest, by_endpoint = _x_fewest()
    print(
        f"x backfill: {posts:,} posts, {actions:,} actions in {seconds:.2f}s "
        f"({actions / seconds:,.0f} actions/s, {made:,} requests; status {state.status})"
    )
    print(f"  answered by the fake: {dict(sorted(answered.items()))}")
    print(f"  fewest by endpoint:   {dict(sorted(by_endpoint.items()))}")
    print(
        f"  sync state: {state.requests:,} requests, {state.actions_stored:,} actions, "
        f"{state.posts_stored:,} posts, {state.duplicates:,} duplicates, notes {state.notes}"
    )
    print(f"  actions stored by kind: {kinds}")  # likes; retweets and quotes; replies
    whole = (
        state.status == "ok"
        and actions == state.actions_stored == ENGAGEMENTS
        and posts == state.posts_stored == POSTS
    )
    if not whole:
        print(
            f"MISS x-backfill: status {state.status}, {actions:,} actions "
            f"(want {ENGAGEMENTS:,}), {posts:,} posts (want {POSTS:,})"
        )
    if state.requests != made:
        print(f"MISS x-requests count: the sync counted {state.requests:,}, the fake {made:,}")
    result("x-requests", made, "requests", fewest, "fewest", made / fewest, 1.1)
    return whole and state.requests == made


if __name__ == "__main__":
    print(f"database: {django_setup('bench_sync_x')}")
    sys.exit(0 if bench_x() else 1)

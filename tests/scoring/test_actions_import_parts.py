"""An import reads and stores its records a batch at a time. Where the batches break must
change nothing: not the counts, not who did what, not a post's text, not which demo members
and anonymous actors there are. (On PostgreSQL the batches are staged and stored in one pass;
on SQLite each batch is stored as it comes, so this is what keeps the two alike.)"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scoring.ingest.records import PostRecord
from scoring.models import Action, AnonymousActor, Content, Member, NetworkAccount
from scoring.services import actions_import
from tests.factories import NetworkAccountFactory
from tests.scoring.test_actions_import import T, rec

pytestmark = pytest.mark.django_db

SUBJECTS = ["s0", "s1", "s2", "s3", "stranger"]  # s0: a member; the rest not (yet)


def post(account, content) -> PostRecord:
    return PostRecord(
        network="twitter",
        account_id=account,
        content_id=content,
        text=f"post {content}",
        tags=("own",),
        posted_at=T,
    )


actions = st.builds(
    rec,
    st.sampled_from([None, "fan", "a1", "a2", "a3", "s1"]),  # fan: a member's account
    st.sampled_from(SUBJECTS),
    st.sampled_from(["share", "reply", "like"]),
    second=st.integers(0, 4),
    content=st.sampled_from([None, "p0", "p1"]),
    text=st.sampled_from([None, "", "text"]),  # a like carries no text; a reply does
)
posts = st.builds(post, st.sampled_from(SUBJECTS), st.sampled_from(["p0", "p1"]))
records = st.lists(st.one_of(actions, actions, posts), max_size=30)
earlier_records = st.lists(actions, max_size=8)


def _import_and_read(items, *, earlier, batch_size: int, demo_members: bool):
    """Import ``earlier`` (at once), then ``items`` in batches of ``batch_size``; read back
    everything stored, and roll it all back."""
    with transaction.atomic():
        NetworkAccountFactory(external_id="s0")
        NetworkAccountFactory(external_id="fan")
        actions_import(records=earlier, demo_members=demo_members)
        before = set(Member.objects.values_list("pk", flat=True))
        there = Action.objects.count()
        summary = actions_import(records=items, demo_members=demo_members, batch_size=batch_size)
        assert summary.stored == Action.objects.count() - there  # counted is what is there
        stored = sorted(
            Action.objects.values_list(
                "subject__external_id",
                "actor_account__external_id",
                "actor_anonymous__key_hash",
                "kind",
                "occurred_at",
                "content__external_id",
            ),
            key=repr,
        )
        world = (
            stored,
            sorted(
                Content.objects.values_list(
                    "account__external_id", "external_id", "text", "tags", "posted_at"
                ),
                key=repr,
            ),
            AnonymousActor.objects.count(),
            sorted(
                NetworkAccount.objects.exclude(member__pk__in=before).values_list(
                    "external_id", "member__is_demo"
                )
            ),
        )
        counts = (
            summary.read,
            summary.stored,
            summary.duplicates,
            summary.not_member,
            summary.demo_members_created,
            summary.posts,
        )
        transaction.set_rollback(True)
    return counts, world


ONE = {"earlier": [], "batch_size": 1, "demo_members": False}
DEMO = {"batch_size": 1, "demo_members": True}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=records,
    earlier=earlier_records,
    batch_size=st.integers(1, 7),
    demo_members=st.booleans(),
)
# The cases the property is about, always tried: a post's text in a later batch; an actor
# (anonymous in an earlier import) who becomes a demo member in a later batch; an anonymous
# actor made in one batch who is a demo member by the next; an archive post of a demo member
# read before the action that makes them.
@example(items=[rec("a1", "s0", content="p0", text=None), rec("a2", "s0", content="p0")], **ONE)
@example(items=[rec("s1", "s0", second=1), rec("a1", "s1")], earlier=[rec("s1", "s0")], **DEMO)
@example(items=[rec("s2", "s0"), rec("a1", "s2")], earlier=[], **DEMO)
@example(items=[post("s3", "p0"), rec("a1", "s3", content="p0")], earlier=[], **DEMO)
def test_where_the_batches_break_changes_nothing(items, earlier, batch_size, demo_members):
    """An actor who becomes a demo member in a later batch, or a post whose text comes in a
    later batch, ends as if every record had been seen together; what an earlier import
    stored is left as it was."""
    kwargs = {"earlier": earlier, "demo_members": demo_members}
    whole = _import_and_read(items, batch_size=1_000, **kwargs)
    parted = _import_and_read(items, batch_size=batch_size, **kwargs)
    assert parted == whole

"""An import reads and stores its records a batch at a time. Where the batches break must
change nothing: not the counts, not who did what, not a post's text, not which demo members
and anonymous actors there are. (On PostgreSQL the batches are staged and stored in one pass;
on SQLite each batch is stored as it comes, so this is what keeps the two alike.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.ingest.records import ActionRecord
from scoring.models import Action, AnonymousActor, Content, Member, NetworkAccount
from scoring.services import actions_import
from tests.factories import NetworkAccountFactory

pytestmark = pytest.mark.django_db
T = datetime(2026, 3, 1, 12, tzinfo=UTC)

records = st.lists(
    st.builds(
        lambda actor, subject, kind, second, content, text: ActionRecord(
            network="twitter",
            actor_id=actor,
            subject_id=subject,
            kind=kind,
            occurred_at=T + timedelta(seconds=second),
            content_id=content,
            content_text=f"{text} of {content}" if content and text else text,
            content_tags=("tag",) if content and text else (),
        ),
        st.sampled_from([None, "fan", "a1", "a2", "a3", "s1"]),  # fan: a member's account
        st.sampled_from(["s0", "s1", "s2", "s3", "stranger"]),  # s0: a member; the rest not
        st.sampled_from(["share", "reply", "like"]),
        st.integers(0, 4),
        st.sampled_from([None, "p0", "p1"]),
        st.sampled_from([None, "", "text"]),  # a like carries no text; a reply does
    ),
    max_size=30,
)


def _import_and_read(items, *, batch_size: int, demo_members: bool):
    """Import into a fresh world, read back what was stored, and roll it all back."""
    with transaction.atomic():
        NetworkAccountFactory(external_id="s0")
        NetworkAccountFactory(external_id="fan")
        before = set(Member.objects.values_list("pk", flat=True))
        summary = actions_import(records=items, demo_members=demo_members, batch_size=batch_size)
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
                Content.objects.values_list("account__external_id", "external_id", "text", "tags"),
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
        )
        transaction.set_rollback(True)
    return counts, world


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=records, batch_size=st.integers(1, 7), demo_members=st.booleans())
def test_where_the_batches_break_changes_nothing(items, batch_size, demo_members):
    """An actor who becomes a demo member in a later batch, or a post whose text comes in a
    later batch, ends as if every record had been seen together."""
    whole = _import_and_read(items, batch_size=1_000, demo_members=demo_members)
    parted = _import_and_read(items, batch_size=batch_size, demo_members=demo_members)
    assert parted == whole
    assert whole[0][1] == len(whole[1][0])  # what was counted as stored is what is there

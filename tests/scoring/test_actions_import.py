from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings

from scoring.ingest.records import ActionRecord, actor_key
from scoring.models import Action, AnonymousActor, Content, Member, NetworkAccount
from scoring.services import actions_import
from tests.factories import MemberFactory, NetworkAccountFactory

pytestmark = pytest.mark.django_db
T = datetime(2026, 3, 1, 12, tzinfo=UTC)


def rec(actor, subject, kind="share", *, second=0, content=None, network="twitter", text="text"):
    """An action record; on a post (``content``) it carries the text "<text> of <content>"
    and a tag, or no text and no tag when ``text`` is None or empty."""
    with_text = bool(content and text)
    return ActionRecord(
        network=network,
        actor_id=actor,
        subject_id=subject,
        kind=kind,
        occurred_at=T.replace(second=second),
        content_id=content,
        content_text=f"{text} of {content}" if with_text else (text if content else None),
        content_tags=("tag",) if with_text else (),
    )


def test_actions_import_subject_not_member_is_not_stored(account):
    summary = actions_import(records=[rec("1", account.external_id), rec("1", "nobody")])

    assert (summary.read, summary.stored, summary.not_member) == (2, 1, 1)
    assert Action.objects.get().subject == account


def test_actions_import_subject_member_not_opted_in_is_not_stored():
    account = NetworkAccountFactory(member=MemberFactory())
    summary = actions_import(records=[rec("1", account.external_id)])
    assert (summary.stored, summary.not_member) == (0, 1)
    assert not Action.objects.exists()


def test_actions_import_same_data_twice_adds_nothing(account):
    records = [rec("1", account.external_id, second=s) for s in range(5)]
    first = actions_import(records=records)
    second = actions_import(records=records)

    assert (first.stored, first.duplicates) == (5, 0)
    assert (second.stored, second.duplicates) == (0, 5)
    assert Action.objects.count() == 5


def test_actions_import_actor_member_linked_stranger_anonymous_unknown_empty(account):
    fan = NetworkAccountFactory()
    actions_import(
        records=[
            rec(fan.external_id, account.external_id, second=1),
            rec("stranger", account.external_id, second=2),
            rec(None, account.external_id, second=3),
        ]
    )
    by_second = {a.occurred_at.second: a for a in Action.objects.all()}
    assert by_second[1].actor_account == fan
    assert by_second[2].actor_anonymous.key_hash.hex == actor_key(
        settings.ACTOR_HASH_KEY, "twitter", "stranger"
    )
    assert by_second[3].actor_account is None and by_second[3].actor_anonymous is None
    assert AnonymousActor.objects.count() == 1


def test_actions_import_content_created_once_per_post(account):
    actions_import(
        records=[rec(str(i), account.external_id, content="p1", second=i) for i in range(4)]
    )
    post = Content.objects.get()
    assert post.account == account and post.tags == ["tag"]
    assert Action.objects.filter(content=post).count() == 4


def test_actions_import_demo_members_created_flagged_and_opted_in():
    summary = actions_import(
        records=[rec("1", "500"), rec("2", "500", second=1), rec("1", "600")], demo_members=True
    )
    assert summary.demo_members_created == 2
    members = Member.objects.filter(is_demo=True)
    assert members.count() == 2
    assert all(m.is_opted_in and m.user is None for m in members)
    assert set(NetworkAccount.objects.values_list("source", flat=True)) == {"demo"}
    assert summary.stored == 3


def test_actions_import_demo_members_never_take_a_real_members_account():
    real = NetworkAccountFactory(member=MemberFactory(), external_id="700")  # not opted in
    summary = actions_import(records=[rec("1", "700")], demo_members=True)
    assert summary.demo_members_created == 0
    assert summary.not_member == 1
    assert NetworkAccount.objects.get(external_id="700") == real


def test_actions_import_small_batches_same_result(account):
    records = [rec(str(i % 3), account.external_id, second=i) for i in range(20)]
    summary = actions_import(records=records, batch_size=3)
    assert summary.stored == 20
    assert AnonymousActor.objects.count() == 3


def test_actions_import_demo_members_come_from_actions_only_and_keep_their_posts():
    from scoring.ingest.records import PostRecord

    post = PostRecord(
        network="twitter", account_id="800", content_id="p9", text="hello", tags=(), posted_at=T
    )
    lonely = PostRecord(
        network="twitter", account_id="801", content_id="p1", text="hi", tags=(), posted_at=T
    )
    summary = actions_import(
        records=[post, lonely, rec("1", "800", content="p9")], demo_members=True
    )
    assert summary.demo_members_created == 1  # 801 has a post but no action on it
    assert summary.not_member == 1 and summary.posts == 1
    assert Content.objects.get(external_id="p9").text == "hello"


def test_actions_import_post_takes_a_text_over_an_empty_one(account):
    """A like can carry an empty text for the post it likes; the reply's text is the post's."""
    like = rec("1", account.external_id, "like", content="p1", second=1, text="")
    actions_import(records=[like, rec("2", account.external_id, "reply", content="p1")])
    assert Content.objects.get().text == "text of p1"

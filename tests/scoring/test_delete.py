"""Deleting an account really deletes: nothing personal is left in any table."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from scoring.models import Action, Member, NetworkAccount, PlusK, Topic, TopicDispute, TopicHide
from scoring.services import member_delete
from tests.factories import (
    PASSWORD,
    ActionFactory,
    ContentFactory,
    NetworkAccountFactory,
    OptedInMemberFactory,
)

pytestmark = pytest.mark.django_db


def _all_stored_text() -> str:
    """Every value of every row of every table, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                chunks.append("|".join(str(v) for v in row))
    return "\n".join(chunks)


def _personal_member(client):
    member = OptedInMemberFactory(display_name="Zelda Quintessential")
    user = member.user
    user.email = "zelda.quintessential@example.net"
    user.username = "zelda_q_unique"
    user.first_name, user.last_name = "Zelda", "Quintessential"
    user.save()
    user.emailaddress_set.update(email=user.email)
    twitter = NetworkAccountFactory(
        member=member, network="twitter", external_id="88001122", handle="zelda_tw"
    )
    blog = NetworkAccountFactory(
        member=member, network="blog", external_id="zelda-blog-77", handle="zeldablog"
    )
    post = ContentFactory(account=twitter, external_id="tweet-zq-1", text="zq-private-text")
    ActionFactory.create_batch(4, subject=twitter, content=post)
    ActionFactory(subject=blog, kind="comment")
    SocialAccount.objects.create(user=user, provider="twitter_oauth2", uid="88001122")
    token = Token.objects.create(user=user)
    topic = Topic.objects.create(slug="zq-topic", name="ZQ topic")
    TopicDispute.objects.create(member=member, topic=topic, reason="zq-dispute-reason")
    TopicHide.objects.create(member=member, topic=topic)
    other = OptedInMemberFactory()
    PlusK.objects.create(giver=member, receiver=other, topic=topic)
    PlusK.objects.create(giver=other, receiver=member, topic=topic)
    staff_id = OptedInMemberFactory(user__is_staff=True).user_id
    for about in ([user], list(user.emailaddress_set.all()), [post], [twitter], [member]):
        LogEntry.objects.log_actions(
            user_id=staff_id,
            queryset=about,
            action_flag=CHANGE,
            change_message="staff edited zelda_q_unique",
        )
    client.login(username=user.username, password=PASSWORD)
    return member, user, [twitter, blog], token


def test_account_delete_view_leaves_nothing_personal_in_any_table(client):
    member, user, accounts, token = _personal_member(client)
    bystander = NetworkAccountFactory()
    taken = ActionFactory.create_batch(2, subject=bystander, actor_account=accounts[0])
    received_by_bystander_before = Action.objects.filter(subject=bystander).count()
    session_key = client.session.session_key
    secrets = [
        user.email,
        user.username,
        "Zelda",
        "Quintessential",
        "zelda_tw",
        "zeldablog",
        "88001122",
        "zelda-blog-77",
        "tweet-zq-1",
        "zq-private-text",
        "zq-dispute-reason",
        # UUIDs are stored as text without dashes on SQLite, as uuid on PostgreSQL
        member.public_id.hex if connection.vendor == "sqlite" else str(member.public_id),
        token.key,
        session_key,
    ]
    assert all(s in _all_stored_text() for s in secrets)  # the scan does see them

    response = client.post(reverse("account_delete"), {"confirm": "DELETE", "password": PASSWORD})

    assert response.status_code == 302
    stored = _all_stored_text()
    assert [s for s in secrets if s in stored] == []
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not PlusK.objects.exists() and not TopicHide.objects.exists()
    assert not NetworkAccount.objects.filter(pk__in=[a.pk for a in accounts]).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    # Actions the member took on other people's content remain, anonymous.
    assert Action.objects.filter(subject=bystander).count() == received_by_bystander_before
    for action in Action.objects.filter(pk__in=[a.pk for a in taken]):
        assert action.actor_account_id is None and action.actor_anonymous_id is not None
    assert client.get(reverse("dashboard")).status_code == 302  # logged out


def test_account_delete_view_other_sessions_of_the_user_are_removed(client):
    member, user, _, _ = _personal_member(client)
    other_device = Client()
    other_device.login(username=user.username, password=PASSWORD)
    other_key = other_device.session.session_key

    client.post(reverse("account_delete"), {"confirm": "DELETE", "password": PASSWORD})

    assert not Session.objects.filter(session_key=other_key).exists()


def test_account_delete_view_wrong_password_deletes_nothing(client):
    member, user, _, _ = _personal_member(client)

    response = client.post(reverse("account_delete"), {"confirm": "DELETE", "password": "nope"})

    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()


def test_account_delete_view_without_confirm_word_deletes_nothing(client):
    member, _, _, _ = _personal_member(client)

    response = client.post(reverse("account_delete"), {"confirm": "delete", "password": PASSWORD})

    assert "Type the word DELETE" in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()


def test_admin_delete_of_user_uses_member_delete(admin_client, django_user_model):
    member = OptedInMemberFactory()
    account = NetworkAccountFactory(member=member)
    bystander = NetworkAccountFactory()
    taken = ActionFactory(subject=bystander, actor_account=account)
    url = reverse("admin:auth_user_delete", args=[member.user_id])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    taken.refresh_from_db()
    assert not django_user_model.objects.filter(pk=member.user_id).exists()
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not PlusK.objects.exists() and not TopicHide.objects.exists()
    assert taken.actor_anonymous_id is not None


def test_admin_bulk_delete_of_members_uses_member_delete(admin_client, django_user_model):
    members = [OptedInMemberFactory() for _ in range(2)]
    accounts = [NetworkAccountFactory(member=m) for m in members]
    bystander = NetworkAccountFactory()
    taken = [ActionFactory(subject=bystander, actor_account=a) for a in accounts]

    response = admin_client.post(
        reverse("admin:scoring_member_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in members], "post": "yes"},
    )

    assert response.status_code == 302
    assert not django_user_model.objects.filter(pk__in=[m.user_id for m in members]).exists()
    for action in taken:
        action.refresh_from_db()
        assert action.actor_anonymous_id is not None


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


graphs = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from(["share", "like", "reply"])),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edges=graphs, leaving=st.integers(0, 5))
def test_member_delete_random_graph_keeps_everyone_elses_engagement(db, edges, leaving):
    """On any graph of six members: deleting one removes exactly the actions on their content,
    turns their own actions into anonymous ones, and leaves every other action as it was."""
    with _rolled_back():
        accounts = [NetworkAccountFactory() for _ in range(6)]
        for actor, subject, kind in edges:
            if actor != subject:
                ActionFactory(subject=accounts[subject], actor_account=accounts[actor], kind=kind)
        gone = accounts[leaving]
        before = {
            a.pk: (a.subject_id, a.kind, a.occurred_at)
            for a in Action.objects.exclude(subject=gone)
        }
        taken = set(Action.objects.filter(actor_account=gone).values_list("pk", flat=True))

        member_delete(member=gone.member)

        after = {a.pk: (a.subject_id, a.kind, a.occurred_at) for a in Action.objects.all()}
        assert after == before
        anonymous = Action.objects.filter(pk__in=taken, actor_anonymous__isnull=False)
        assert anonymous.count() == len(taken)

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from scoring.services import member_opt_in
from tests.factories import ActionFactory, ContentFactory, MemberFactory, NetworkAccountFactory

pytestmark = pytest.mark.django_db


def test_data_export_contains_everything_held_about_the_member(client):
    member = MemberFactory(display_name="Ada")
    member_opt_in(member=member)
    account = NetworkAccountFactory(member=member, handle="ada_tw", external_id="1001")
    post = ContentFactory(account=account, external_id="p1", text="Hello #python")
    other = NetworkAccountFactory(handle="someone_else", external_id="other-ext-id-2002")
    ActionFactory(subject=account, content=post, actor_account=other, kind="share")
    ActionFactory(subject=account, kind="like")
    ActionFactory(subject=other, actor_account=account, kind="reply")
    client.force_login(member.user)

    response = client.get(reverse("data_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment;" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["login"]["email"] == member.user.email
    assert data["login"]["username"] == member.user.username
    assert data["login"]["email_addresses"][0]["verified"] is True
    assert data["member"]["display_name"] == "Ada"
    assert data["member"]["opted_in_at"] is not None
    assert [e["kind"] for e in data["consent_events"]] == ["opt_in"]
    assert data["network_accounts"][0]["handle"] == "ada_tw"
    assert data["posts"][0]["text"] == "Hello #python"
    assert sorted(a["kind"] for a in data["actions_received"]) == ["like", "share"]
    assert {a["actor"] for a in data["actions_received"]} == {"member", "unknown"}
    assert [a["kind"] for a in data["actions_taken"]] == ["reply"]
    # Other people appear only as "member", never by their identity.
    assert "someone_else" not in response.content.decode()
    assert "other-ext-id-2002" not in response.content.decode()


def test_data_export_api_matches_page(member_client, account):
    ActionFactory(subject=account)
    page = json.loads(member_client.get(reverse("data_export")).content)
    api = member_client.get(reverse("api_export")).json()
    page.pop("exported_at"), api.pop("exported_at")
    assert page == api


def test_data_export_is_not_cached(member_client):
    response = member_client.get(reverse("data_export"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_data_export_includes_topics_hides_disputes_and_plus_k(client):
    from scoring.models import PlusK, Topic, TopicDispute, TopicHide
    from scoring.services.runs.execute import score_run
    from tests.factories import MemberTopicScoreFactory

    member = MemberFactory(display_name="Ada")
    member_opt_in(member=member)
    topic = Topic.objects.create(slug="python-programming", name="Python")
    run = score_run()
    MemberTopicScoreFactory(run=run, member=member, topic=topic, score=40, actions=4)
    TopicHide.objects.create(member=member, topic=topic)
    TopicDispute.objects.create(member=member, topic=topic, reason="I write Go.")
    fan = MemberFactory(display_name="Fan Name")
    PlusK.objects.create(giver=fan, receiver=member, topic=topic)
    client.force_login(member.user)
    data = json.loads(client.get(reverse("data_export")).content)
    assert data["topic_scores"][0] | {"run_as_of": None} == {
        "run_as_of": None,
        "topic": "python-programming",
        "score": 40,
        "posts": 2,
        "people": 3,
        "actions": 4,
        "plus_k": 0,
    }
    assert data["hidden_topics"][0]["topic"] == "python-programming"
    assert data["topic_disputes"][0]["reason"] == "I write Go."
    assert data["plus_k_received"] == [
        {
            "from": "member",
            "topic": "python-programming",
            "given_at": data["plus_k_received"][0]["given_at"],
        }
    ]
    assert "Fan Name" not in json.dumps(data)

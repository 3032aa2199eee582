from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from campaigns.models import BrandMembership
from scoring.models import Action, Member, MemberTopicScore, Topic

pytestmark = pytest.mark.django_db
SMALL = ["--synthetic", "--people", "300", "--members", "40", "--actions", "2000"]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_three_users_brand_member_and_data():
    output = _seed()

    for email in ("staff@example.com", "brand@example.com", "member@example.com"):
        assert email in output
        assert EmailAddress.objects.get(email=email).verified
    assert get_user_model().objects.get(email="staff@example.com").is_staff
    assert BrandMembership.objects.get(user__email="brand@example.com").role == "owner"
    member = Member.objects.get(user__email="member@example.com")
    assert member.is_opted_in and member.visibility == "brands"
    assert Action.objects.filter(subject__member=member).exists()
    # 40 synthetic demo members and 12 topic personas; one of each went to member@
    assert Member.objects.filter(is_demo=True).count() == 39 + 11
    assert Action.objects.count() > 1900
    assert Topic.objects.count() >= 250
    assert MemberTopicScore.objects.filter(member=member).exists()  # the persona's topics
    assert Member.objects.filter(is_demo=True, visibility="public").count() == 11
    assert "demo personas with topics" in output
    from perks.models import Perk

    perk = Perk.objects.get(title="A bag of single-origin beans")
    assert perk.campaign.status == "live" and perk.codes.count() == 25
    assert "Live demo campaign" in output


def test_seed_demo_twice_changes_nothing():
    _seed()
    counts = (Action.objects.count(), Member.objects.count(), BrandMembership.objects.count())

    output = _seed()

    assert "already present" in output
    assert (Action.objects.count(), Member.objects.count(), BrandMembership.objects.count()) == (
        counts
    )


def test_seed_demo_refused_in_production(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="not in production"):
        _seed()
    assert not get_user_model().objects.exists()

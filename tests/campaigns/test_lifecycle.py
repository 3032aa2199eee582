"""Campaign lifecycle: every transition with its permission, invalid ones as clear errors."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.errors import CampaignInvalid, InvalidTransition, RoleRequired
from campaigns.models import Campaign, CampaignEvent, CampaignStatus
from campaigns.services.campaigns import (
    TRANSITIONS,
    campaign_approve,
    campaign_create,
    campaign_end,
    campaign_fund_by_invoice,
    campaign_pause,
    campaign_reject,
    campaign_resume,
    campaign_submit,
    campaign_update,
    campaigns_end_due,
)
from scoring.models import Topic
from tests.campaigns.conftest import START
from tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db
S = CampaignStatus


def fields(**changes):
    return {
        "name": "Launch",
        "starts_at": START,
        "ends_at": START + timedelta(days=10),
        "budget_cents": 50_000,
        **changes,
    }


def test_create_needs_manager_and_valid_fields(brand, manager, viewer):
    with pytest.raises(RoleRequired, match="manager"):
        campaign_create(brand=brand, user=viewer, **fields())
    for bad, field in [
        ({"ends_at": START}, "ends_at"),
        ({"budget_cents": 0}, "budget_cents"),
        ({"currency": "dollars"}, "currency"),
        ({"min_score": 80, "max_score": 20}, "min_score"),
        ({"inclusion_share_percent": 120}, "inclusion_share_percent"),
        ({"networks": ["Not A Slug"]}, "networks"),
        ({"starts_at": START.replace(tzinfo=None)}, "starts_at"),
    ]:
        with pytest.raises(CampaignInvalid) as error:
            campaign_create(brand=brand, user=manager, **fields(**bad))
        assert error.value.field == field
    assert not Campaign.objects.exists()
    topic = Topic.objects.create(slug="coffee", name="Coffee")
    campaign = campaign_create(
        brand=brand, user=manager, topics=[(topic, 30)], **fields(currency="eur")
    )
    assert campaign.status == S.DRAFT and campaign.currency == "EUR"
    assert list(campaign.topics.values_list("topic__slug", "min_topic_score")) == [("coffee", 30)]


def test_full_lifecycle_with_events(
    campaign, manager, owner, site_staff, mailoutbox, django_capture_on_commit_callbacks
):
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign = campaign_submit(campaign=campaign, user=manager)
    assert campaign.status == S.IN_REVIEW and campaign.submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaign_reject(
            campaign=campaign, staff_user=site_staff, reason="Dates overlap."
        )
    assert campaign.status == S.REJECTED and campaign.rejection_reason == "Dates overlap."
    assert "rejected" in mailoutbox[-1].subject and "Dates overlap." in mailoutbox[-1].body
    campaign = campaign_update(campaign=campaign, user=manager, name="Launch v2")
    campaign = campaign_submit(campaign=campaign, user=manager)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaign_approve(campaign=campaign, staff_user=site_staff, note="Fine.")
    assert campaign.status == S.LIVE and "approved" in mailoutbox[-1].subject
    campaign = campaign_pause(campaign=campaign, user=manager)
    campaign = campaign_resume(campaign=campaign, user=manager)
    campaign = campaign_end(campaign=campaign, user=owner)
    assert campaign.status == S.ENDED
    path = list(CampaignEvent.objects.filter(campaign=campaign).values_list("to_status", flat=True))
    assert path == [
        S.FUNDED,
        S.IN_REVIEW,
        S.REJECTED,
        S.IN_REVIEW,
        S.LIVE,
        S.PAUSED,
        S.LIVE,
        S.ENDED,
    ]


@pytest.mark.parametrize("action", ["submit", "approve", "reject", "pause", "resume", "end"])
def test_invalid_transitions_from_draft_are_clear_errors(
    campaign, manager, owner, site_staff, action
):
    calls = {
        "submit": lambda: campaign_submit(campaign=campaign, user=manager),
        "approve": lambda: campaign_approve(campaign=campaign, staff_user=site_staff),
        "reject": lambda: campaign_reject(campaign=campaign, staff_user=site_staff, reason="x"),
        "pause": lambda: campaign_pause(campaign=campaign, user=manager),
        "resume": lambda: campaign_resume(campaign=campaign, user=manager),
        "end": lambda: campaign_end(campaign=campaign, user=owner),
    }
    with pytest.raises(InvalidTransition) as error:
        calls[action]()
    assert "draft" in error.value.message
    assert error.value.status == 409
    campaign.refresh_from_db()
    assert campaign.status == S.DRAFT and not campaign.events.exists()


def test_transition_permissions(campaign, manager, viewer, owner, site_staff):
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    with pytest.raises(RoleRequired):
        campaign_submit(campaign=campaign, user=viewer)
    campaign_submit(campaign=campaign, user=manager)
    with pytest.raises(RoleRequired, match="site staff"):
        campaign_approve(campaign=campaign, staff_user=owner)
    campaign_approve(campaign=campaign, staff_user=site_staff)
    with pytest.raises(RoleRequired, match="owner"):
        campaign_end(campaign=campaign, user=manager)
    with pytest.raises(CampaignInvalid):
        campaign_reject(campaign=campaign, staff_user=site_staff, reason=" ")


def test_budget_fixed_once_funded_and_live_campaigns_not_editable(campaign, manager, site_staff):
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    with pytest.raises(CampaignInvalid, match="fixed"):
        campaign_update(campaign=campaign, user=manager, budget_cents=1)
    campaign_update(campaign=campaign, user=manager, min_score=40)
    campaign_submit(campaign=campaign, user=manager)
    with pytest.raises(InvalidTransition, match="cannot be edited"):
        campaign_update(campaign=campaign, user=manager, min_score=50)


def test_campaigns_past_their_end_date_are_ended(campaign, manager, site_staff):
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_submit(campaign=campaign, user=manager)
    campaign_approve(campaign=campaign, staff_user=site_staff)
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    assert campaigns_end_due() == 1
    campaign.refresh_from_db()
    assert campaign.status == S.ENDED and campaign.refunded_cents == campaign.budget_cents
    assert campaigns_end_due() == 0


def test_transition_table_is_total():
    assert set(TRANSITIONS) == {"fund", "submit", "approve", "reject", "pause", "resume", "end"}


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_move_the_campaign_once(campaign, manager, site_staff):
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_submit(campaign=campaign, user=manager)
    barrier, outcomes = threading.Barrier(4), []

    def approve():
        try:
            barrier.wait()
            campaign_approve(campaign=campaign, staff_user=site_staff)
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert campaign.events.filter(to_status=S.LIVE).count() == 1

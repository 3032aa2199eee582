"""Funding through Stripe Checkout (against a local fake) and its webhooks, with real
signatures: duplicate, out-of-order, replayed, forged, stale and malformed events."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from campaigns.errors import FundingUnavailable, InvalidTransition, RoleRequired
from campaigns.models import Campaign, CampaignStatus, Payment, Refund, StripeEvent
from campaigns.services.campaigns import campaign_end, campaign_fund_by_invoice
from campaigns.services.stripe import campaign_checkout_start, stripe_event_process
from tests.campaigns.stripe_fake import session_event, signed
from tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db
URLS = {"success_url": "https://app.test/ok", "cancel_url": "https://app.test/cancel"}


def post(client, event, **kwargs):
    body, header = signed(event, **kwargs)
    return client.post(
        reverse("stripe_webhook"),
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


@pytest.fixture
def checkout(stripe_fake, campaign, owner):
    payment = campaign_checkout_start(campaign=campaign, user=owner, **URLS)
    request = stripe_fake.requests[-1]
    session = {
        "id": payment.stripe_checkout_session_id,
        "object": "checkout.session",
        "client_reference_id": request["form"]["client_reference_id"],
        "metadata": request["form"]["metadata"],
        "amount_total": campaign.budget_cents,
        "currency": "usd",
        "payment_intent": "pi_test_1",
    }
    return payment, session


def test_checkout_session_for_the_budget_through_the_library(checkout, stripe_fake, campaign):
    payment, _ = checkout
    form = stripe_fake.requests[-1]["form"]
    assert form["mode"] == "payment"
    assert form["line_items"]["0"]["price_data"]["unit_amount"] == "125000"
    assert form["line_items"]["0"]["price_data"]["currency"] == "usd"
    assert stripe_fake.requests[-1]["idempotency_key"] == f"checkout-payment-{payment.pk}"
    assert payment.status == Payment.Status.PENDING and payment.checkout_url.startswith("https://")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT  # funded only by the webhook


def test_checkout_needs_the_owner_role(stripe_fake, campaign, manager):
    with pytest.raises(RoleRequired, match="owner"):
        campaign_checkout_start(campaign=campaign, user=manager, **URLS)
    assert not Payment.objects.exists()


def test_checkout_refused_when_stripe_is_off(campaign, owner, settings):
    settings.STRIPE_ENABLED = False
    with pytest.raises(FundingUnavailable, match="invoice"):
        campaign_checkout_start(campaign=campaign, user=owner, **URLS)


def test_checkout_stripe_failure_is_clear_and_funds_nothing(stripe_fake, campaign, owner, settings):
    stripe_fake.fail_next = 400
    with pytest.raises(FundingUnavailable, match="try again"):
        campaign_checkout_start(campaign=campaign, user=owner, **URLS)
    assert Payment.objects.get().status == Payment.Status.FAILED


def test_webhook_completed_marks_funded_once_however_often_it_arrives(
    client, checkout, campaign, django_capture_on_commit_callbacks
):
    payment, session = checkout
    event = session_event("evt_1", "checkout.session.completed", session, payment_status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, event)
        again = post(client, event)  # duplicate delivery
        replay = post(client, event, at=int(time.time()) - 10)  # replayed, re-signed
    assert first.json() == {"received": "evt_1", "duplicate": False}
    assert again.json()["duplicate"] is True and replay.json()["duplicate"] is True
    assert StripeEvent.objects.get().status == StripeEvent.Status.PROCESSED
    payment.refresh_from_db()
    campaign.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.stripe_payment_intent_id == "pi_test_1"
    assert campaign.status == CampaignStatus.FUNDED and campaign.funded_at is not None
    assert campaign.events.filter(to_status=CampaignStatus.FUNDED).count() == 1


def test_webhook_out_of_order_expired_after_completed_changes_nothing(
    client, checkout, campaign, django_capture_on_commit_callbacks
):
    payment, session = checkout
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            session_event("evt_2", "checkout.session.completed", session, payment_status="paid"),
        )
        post(client, session_event("evt_1", "checkout.session.expired", session))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert StripeEvent.objects.get(event_id="evt_1").status == StripeEvent.Status.IGNORED


def test_webhook_unpaid_then_async_success(
    client, checkout, campaign, django_capture_on_commit_callbacks
):
    _, session = checkout
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            session_event("evt_a", "checkout.session.completed", session, payment_status="unpaid"),
        )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            session_event(
                "evt_b", "checkout.session.async_payment_succeeded", session, payment_status="paid"
            ),
        )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FUNDED


def test_webhook_wrong_amount_is_not_applied(
    client, checkout, campaign, django_capture_on_commit_callbacks
):
    _, session = checkout
    event = session_event(
        "evt_x", "checkout.session.completed", session, payment_status="paid", amount_total=100
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, event)
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.FAILED and "expected 125000 USD" in stored.error
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


@pytest.mark.parametrize(
    ("signature", "problem"),
    [
        (lambda event: signed(event, secret="whsec_forged")[1], "No signatures found matching"),
        (lambda event: signed(event, at=int(time.time()) - 3600)[1], "tolerance"),
        (lambda event: "", "Unable to extract timestamp"),
        (lambda event: "t=1,v0=abc", "No signatures found with expected scheme"),
    ],
)
def test_webhook_forged_or_stale_is_refused_and_changes_nothing(
    client, checkout, campaign, signature, problem
):
    _, session = checkout
    event = session_event("evt_f", "checkout.session.completed", session, payment_status="paid")
    body, _ = signed(event)
    response = client.post(
        reverse("stripe_webhook"),
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(event),
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "stripe_event_invalid" and problem in error["message"]
    assert "Stripe-Signature" in error["fields"]
    assert not StripeEvent.objects.exists()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", "body"),
        ("[1, 2]", "body"),
        ('{"id": "evt_m", "type": "checkout.session.completed"}', "data"),
        ('{"id": 5, "type": "x", "data": {"object": {}}}', "id"),
        ('{"id": "evt_m", "type": "x", "data": {}}', "data.object"),
    ],
)
def test_webhook_malformed_body_names_the_problem(client, stripe_fake, body, field):
    import hashlib
    import hmac

    from tests.campaigns.stripe_fake import WEBHOOK_SECRET

    ts = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
    response = client.post(
        reverse("stripe_webhook"),
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={ts},v1={mac}",
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not StripeEvent.objects.exists()


def test_webhook_unknown_event_types_are_stored_and_ignored(
    client, stripe_fake, django_capture_on_commit_callbacks
):
    event = {"id": "evt_u", "type": "customer.created", "created": 1, "data": {"object": {}}}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, event).status_code == 200
    assert StripeEvent.objects.get().status == StripeEvent.Status.IGNORED


def test_stripe_event_process_twice_applies_once(
    client, checkout, campaign, django_capture_on_commit_callbacks
):
    _, session = checkout
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            session_event("evt_t", "checkout.session.completed", session, payment_status="paid"),
        )
    stored = StripeEvent.objects.get()
    stripe_event_process(event_pk=stored.pk)  # a retried task
    assert campaign.events.filter(to_status=CampaignStatus.FUNDED).count() == 1


def test_invoice_funding_by_site_staff_only(campaign, owner, site_staff):
    with pytest.raises(RoleRequired):
        campaign_fund_by_invoice(campaign=campaign, staff_user=owner)
    payment = campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff, reference="INV-7")
    campaign.refresh_from_db()
    assert payment.provider == Payment.Provider.INVOICE and payment.status == Payment.Status.PAID
    assert campaign.status == CampaignStatus.FUNDED
    with pytest.raises(InvalidTransition):
        campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)


def test_end_refunds_unused_budget_through_stripe_once(
    client, checkout, campaign, owner, stripe_fake, django_capture_on_commit_callbacks
):
    _, session = checkout
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            session_event("evt_p", "checkout.session.completed", session, payment_status="paid"),
        )
    Campaign.objects.filter(pk=campaign.pk).update(spent_cents=25_000)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_end(campaign=campaign, user=owner)
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.status) == (100_000, Refund.Status.SUCCEEDED)
    calls = [r for r in stripe_fake.requests if r["path"] == "/v1/refunds"]
    assert len(calls) == 1 and calls[0]["form"]["amount"] == "100000"
    assert calls[0]["form"]["payment_intent"] == "pi_test_1"
    campaign.refresh_from_db()
    assert campaign.refunded_cents == 100_000 and campaign.unused_cents == 0


def test_end_refunds_invoice_budget_as_a_record(campaign, owner, site_staff):
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    campaign_end(campaign=campaign, user=owner)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ENDED and campaign.refunded_cents == 125_000
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_webhook_same_event_delivered_at_once_is_stored_and_applied_once(
    stripe_fake, campaign, owner
):
    """Eight deliveries of one event at the same moment: one row, one funding."""
    import threading

    from django.db import connection
    from django.test import Client

    payment = campaign_checkout_start(campaign=campaign, user=owner, **URLS)
    form = stripe_fake.requests[-1]["form"]
    session = {
        "id": payment.stripe_checkout_session_id,
        "client_reference_id": form["client_reference_id"],
        "metadata": form["metadata"],
        "amount_total": campaign.budget_cents,
        "currency": "usd",
        "payment_intent": "pi_race",
    }
    body, header = signed(
        session_event("evt_race", "checkout.session.completed", session, payment_status="paid")
    )
    barrier, statuses = threading.Barrier(8), []

    def deliver():
        try:
            barrier.wait()
            response = Client().post(
                reverse("stripe_webhook"),
                body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    assert StripeEvent.objects.count() == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FUNDED
    assert campaign.events.filter(to_status=CampaignStatus.FUNDED).count() == 1


def paid(client, event_id, session, captured, **overrides):
    event = session_event(
        event_id, "checkout.session.completed", session, payment_status="paid", **overrides
    )
    with captured(execute=True):
        post(client, event)
    return StripeEvent.objects.get(event_id=event_id)


def test_asking_for_checkout_again_gives_the_open_session_back(stripe_fake, campaign, owner):
    first = campaign_checkout_start(campaign=campaign, user=owner, **URLS)
    again = campaign_checkout_start(campaign=campaign, user=owner, **URLS)
    assert again.pk == first.pk and again.checkout_url == first.checkout_url
    sessions = [r for r in stripe_fake.requests if r["path"] == "/v1/checkout/sessions"]
    assert len(sessions) == 1 and Payment.objects.count() == 1


def test_a_payment_for_an_old_budget_is_returned_in_full_and_funds_nothing(
    client, checkout, campaign, manager, stripe_fake, django_capture_on_commit_callbacks
):
    """The budget changed while the checkout was open: the old amount paid is given back."""
    from campaigns.services.campaigns import campaign_update

    payment, session = checkout
    campaign_update(campaign=campaign, user=manager, budget_cents=200_000)
    stored = paid(client, "evt_old", session, django_capture_on_commit_callbacks)
    assert stored.status == StripeEvent.Status.PROCESSED
    payment.refresh_from_db()
    campaign.refresh_from_db()
    assert payment.status == Payment.Status.RETURNED and payment.refunded_cents == 125_000
    assert campaign.status == CampaignStatus.DRAFT and campaign.refunded_cents == 0
    refund = Refund.objects.get()
    assert (refund.reason, refund.amount_cents, refund.status) == (
        Refund.Reason.RETURNED,
        125_000,
        Refund.Status.SUCCEEDED,
    )
    calls = [r for r in stripe_fake.requests if r["path"] == "/v1/refunds"]
    assert len(calls) == 1 and calls[0]["form"]["amount"] == "125000"
    # a new checkout is for the new budget
    fresh = campaign_checkout_start(campaign=campaign, user=owner_of(campaign), **URLS)
    assert fresh.pk != payment.pk and fresh.amount_cents == 200_000


def owner_of(campaign):
    return campaign.brand.memberships.get(role="owner").user


def test_a_second_payment_after_funding_is_returned_not_kept(
    client, checkout, campaign, owner, site_staff, django_capture_on_commit_callbacks
):
    """Funded by invoice while a card checkout was open, then the card is paid too."""
    payment, session = checkout
    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff, reference="INV-1")
    stored = paid(client, "evt_late", session, django_capture_on_commit_callbacks)
    assert stored.status == StripeEvent.Status.PROCESSED
    payment.refresh_from_db()
    campaign.refresh_from_db()
    assert payment.status == Payment.Status.RETURNED and payment.refunded_cents == 125_000
    assert campaign.payments.filter(status=Payment.Status.PAID).count() == 1  # the invoice
    assert campaign.refunded_cents == 0 and campaign.unused_cents == 125_000
    assert campaign.events.filter(to_status=CampaignStatus.FUNDED).count() == 1


def test_end_holds_back_outstanding_claims_and_releases_them_when_settled(
    campaign, owner, site_staff, django_capture_on_commit_callbacks
):
    """Ending refunds everything but what claims already taken may still spend; fulfilling
    one and cancelling the other settles the campaign and releases the rest, exactly."""
    from datetime import timedelta

    from perks.models import Claim, ClaimStatus, Perk, PerkKind
    from perks.services.fulfilment import claim_mark_fulfilled
    from perks.services.settlement import campaigns_settle_due
    from tests.factories import MemberFactory

    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.LIVE)
    perk = Perk.objects.create(
        campaign=campaign,
        title="Tasting box",
        kind=PerkKind.PHYSICAL,
        quantity=4,
        claimed_count=2,
        value_cents=10_000,
        opens_at=campaign.starts_at,
        closes_at=campaign.starts_at + timedelta(days=3),
    )
    kept, dropped = (
        Claim.objects.create(
            perk=perk,
            member=MemberFactory(),
            status=ClaimStatus.CLAIMED,
            idempotency_key="k",
            decision={},
        )
        for _ in range(2)
    )
    campaign_end(campaign=campaign, user=owner)
    campaign.refresh_from_db()
    first = Refund.objects.get()
    assert (first.reason, first.amount_cents) == (Refund.Reason.UNUSED, 125_000 - 20_000)
    assert campaigns_settle_due() == 0  # two claims still outstanding
    manager = campaign.brand.memberships.get(role="manager").user
    claim_mark_fulfilled(claim=kept, user=manager)
    Claim.objects.filter(pk=dropped.pk).update(status=ClaimStatus.CANCELLED)
    assert campaigns_settle_due() == 1
    assert campaigns_settle_due() == 0  # once
    released = Refund.objects.get(reason=Refund.Reason.RELEASED)
    assert released.amount_cents == 10_000
    campaign.refresh_from_db()
    assert campaign.spent_cents == 10_000 and campaign.refunded_cents == 115_000
    assert campaign.unused_cents == 0


def test_end_holds_back_undrawn_lottery_units(campaign, owner, site_staff):
    from datetime import timedelta

    from perks.models import Allocation, Perk

    campaign_fund_by_invoice(campaign=campaign, staff_user=site_staff)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.LIVE)
    Perk.objects.create(
        campaign=campaign,
        title="Draw",
        quantity=3,
        value_cents=5_000,
        allocation=Allocation.LOTTERY,
        lottery_seed="ab" * 32,
        opens_at=campaign.starts_at,
        closes_at=campaign.starts_at + timedelta(days=3),
    )
    campaign_end(campaign=campaign, user=owner)
    assert Refund.objects.get().amount_cents == 125_000 - 15_000


def test_budget_cannot_drop_below_what_perks_commit(campaign, manager):
    from datetime import timedelta

    from campaigns.errors import CampaignInvalid
    from campaigns.services.campaigns import campaign_update
    from perks.models import Perk

    Perk.objects.create(
        campaign=campaign,
        title="Box",
        quantity=10,
        value_cents=10_000,
        opens_at=campaign.starts_at,
        closes_at=campaign.starts_at + timedelta(days=3),
    )
    with pytest.raises(CampaignInvalid, match="100000 cents its perks already commit"):
        campaign_update(campaign=campaign, user=manager, budget_cents=99_999)
    campaign.refresh_from_db()
    assert campaign.budget_cents == 125_000
    campaign_update(campaign=campaign, user=manager, budget_cents=100_000)


def test_a_failed_refund_is_asked_again_with_a_new_key_and_the_rest_still_released(
    client, checkout, campaign, owner, stripe_fake, django_capture_on_commit_callbacks
):
    from perks.services.settlement import campaigns_settle_due

    _, session = checkout
    paid(client, "evt_r", session, django_capture_on_commit_callbacks)
    stripe_fake.refund_status_next = "failed"
    with django_capture_on_commit_callbacks(execute=True):
        campaign_end(campaign=campaign, user=owner)
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED and "failed" in refund.error
    campaign.refresh_from_db()
    assert campaign.refunded_cents == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns_settle_due() == 1
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (Refund.Status.SUCCEEDED, 2)
    keys = [r["idempotency_key"] for r in stripe_fake.requests if r["path"] == "/v1/refunds"]
    assert keys == [f"refund-{refund.pk}-1", f"refund-{refund.pk}-2"]
    campaign.refresh_from_db()
    assert campaign.refunded_cents == 125_000 and campaign.unused_cents == 0
    assert Refund.objects.count() == 1  # never a second refund of the same money


def test_a_refund_stripe_refuses_is_failed_not_left_pending(
    client, checkout, campaign, owner, stripe_fake, django_capture_on_commit_callbacks
):
    _, session = checkout
    paid(client, "evt_s", session, django_capture_on_commit_callbacks)
    stripe_fake.fail_next = 400
    with django_capture_on_commit_callbacks(execute=True):
        campaign_end(campaign=campaign, user=owner)
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED and refund.error.startswith("Stripe:")

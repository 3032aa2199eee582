"""Campaigns: create, edit targeting, and every lifecycle transition (with site staff's
invoice funding; card funding is in ``stripe``).

draft -> funded -> in review -> live <-> paused -> ended; in review -> rejected -> in review.
A transition is one conditional UPDATE (``WHERE status IN (allowed)``) that either moves the
campaign or changes nothing, plus an event row in the same transaction; two clicks at once
cannot both move it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from campaigns.errors import CampaignInvalid, InvalidTransition, RoleRequired
from campaigns.models import (
    ROLE_RANK,
    Brand,
    BrandMembership,
    BrandRole,
    Campaign,
    CampaignEvent,
    CampaignStatus,
    CampaignTopic,
    FairnessSnapshot,
    Payment,
    TopicMode,
)
from campaigns.signals import campaign_ended
from scoring.models import Topic
from scoring.networks import is_valid_slug

S = CampaignStatus
EDITABLE = (S.DRAFT, S.FUNDED, S.REJECTED)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "fund": ((S.DRAFT,), S.FUNDED),
    "submit": ((S.FUNDED, S.REJECTED), S.IN_REVIEW),
    "approve": ((S.IN_REVIEW,), S.LIVE),
    "reject": ((S.IN_REVIEW,), S.REJECTED),
    "pause": ((S.LIVE,), S.PAUSED),
    "resume": ((S.PAUSED,), S.LIVE),
    "end": ((S.FUNDED, S.REJECTED, S.LIVE, S.PAUSED), S.ENDED),
}
MAX_CAMPAIGN_TOPICS = 10


def campaign_committed_cents(campaign: Campaign) -> int:
    """The budget the campaign's perks can spend if every unit is given: the sum of value
    times quantity (through the reverse relation the perks app declares). Kept within the
    budget, so fulfilment never runs out of money."""
    total = campaign.perks.aggregate(total=Sum(F("value_cents") * F("quantity")))["total"]
    return int(total or 0)


def brand_role_require(*, user, brand: Brand, role: str) -> BrandMembership:
    """The user's membership of the brand, when it has at least ``role``."""
    membership = BrandMembership.objects.filter(brand=brand, user=user).first()
    if membership is None or ROLE_RANK[membership.role] < ROLE_RANK[role]:
        label = BrandRole(role).label.split(":")[0].lower()
        raise RoleRequired(f"This needs the {label} role at {brand.name}.")
    return membership


def _staff_require(user) -> None:
    if not getattr(user, "is_staff", False):
        raise RoleRequired("Only site staff review campaigns.")


def _check_targeting(data: dict) -> None:
    lo, hi = data.get("min_score", 1), data.get("max_score", 100)
    if not 1 <= lo <= hi <= 100:
        raise CampaignInvalid(
            f"The score range must be within 1-100 and min <= max (got {lo}-{hi}).",
            field="min_score",
        )
    share = data.get("inclusion_share_percent", 0)
    if not 0 <= share <= 100:
        raise CampaignInvalid(
            "The inclusion share is a percentage, 0-100.", field="inclusion_share_percent"
        )
    networks = data.get("networks", [])
    bad = [n for n in networks if not isinstance(n, str) or not is_valid_slug(n)]
    if bad:
        raise CampaignInvalid(f"Not network slugs: {bad}.", field="networks")
    if data.get("topic_mode", TopicMode.ANY) not in TopicMode.values:
        raise CampaignInvalid("Topic mode is 'any' or 'all'.", field="topic_mode")


def _check_money_and_dates(data: dict) -> None:
    for name in ("starts_at", "ends_at"):
        value = data.get(name)
        if value is not None and (not isinstance(value, datetime) or timezone.is_naive(value)):
            raise CampaignInvalid("A date with a time zone is needed.", field=name)
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise CampaignInvalid("The campaign must end after it starts.", field="ends_at")
    budget = data.get("budget_cents")
    if budget is not None and (not isinstance(budget, int) or budget <= 0):
        raise CampaignInvalid(
            "The budget is a positive whole number of cents.", field="budget_cents"
        )
    currency = data.get("currency")
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise CampaignInvalid("The currency is an ISO 4217 code, like USD.", field="currency")


def campaign_fields_check(fields: dict) -> None:
    """The checks of campaign fields, for forms to show before anything is saved."""
    _check_money_and_dates(fields)
    _check_targeting(fields)


def _set_topics(campaign: Campaign, topics: list[tuple[Topic, int]]) -> None:
    if len(topics) > MAX_CAMPAIGN_TOPICS:
        raise CampaignInvalid(f"At most {MAX_CAMPAIGN_TOPICS} topics.", field="topics")
    seen = set()
    for topic, minimum in topics:
        if topic.pk in seen:
            raise CampaignInvalid(f"{topic.name} is listed twice.", field="topics")
        if not topic.is_active:
            raise CampaignInvalid(f"{topic.name} is not an active topic.", field="topics")
        if not 1 <= minimum <= 100:
            raise CampaignInvalid(
                f"The minimum {topic.name} score must be 1-100 (got {minimum}).", field="topics"
            )
        seen.add(topic.pk)
    CampaignTopic.objects.filter(campaign=campaign).delete()
    CampaignTopic.objects.bulk_create(
        CampaignTopic(campaign=campaign, topic=t, min_topic_score=m) for t, m in topics
    )


@transaction.atomic
def campaign_create(
    *, brand: Brand, user, topics: list[tuple[Topic, int]] | None = None, **fields
) -> Campaign:
    """A draft campaign. Needs the manager role."""
    brand_role_require(user=user, brand=brand, role=BrandRole.MANAGER)
    fields["currency"] = fields.get("currency", "USD").upper()
    _check_money_and_dates(fields)
    _check_targeting(fields)
    campaign = Campaign.objects.create(brand=brand, created_by=user, **fields)
    _set_topics(campaign, topics or [])
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, user, topics: list[tuple[Topic, int]] | None = None, **fields
) -> Campaign:
    """Edit a campaign before it goes live (draft, funded or rejected). The budget and its
    currency are fixed once funded."""
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.MANAGER)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_editable(campaign, fields)
    if "currency" in fields:
        fields["currency"] = fields["currency"].upper()
    merged = {
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "min_score": campaign.min_score,
        "max_score": campaign.max_score,
        **fields,
    }
    _check_money_and_dates(merged)
    _check_targeting(merged)
    if "budget_cents" in fields:
        _check_budget_covers_perks(campaign, fields["budget_cents"])
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    if topics is not None:
        _set_topics(campaign, topics)
    return campaign


def _check_editable(campaign: Campaign, fields: dict) -> None:
    """The campaign may still be edited (not yet live), and its money only as a draft."""
    if campaign.status not in EDITABLE:
        raise InvalidTransition(
            f"A {campaign.get_status_display().lower()} campaign cannot be edited; "
            "only drafts, funded and rejected campaigns can."
        )
    money = {"budget_cents", "currency"} & set(fields)
    if money and campaign.status != S.DRAFT:
        raise CampaignInvalid(
            "The budget is fixed once the campaign is funded.", field="budget_cents"
        )


def _check_budget_covers_perks(campaign: Campaign, budget_cents: int) -> None:
    """A new budget still pays for every unit the campaign's perks commit."""
    committed = campaign_committed_cents(campaign)
    if budget_cents < committed:
        raise CampaignInvalid(
            f"The budget cannot be less than the {committed} cents its perks already commit.",
            field="budget_cents",
        )


def _transition(campaign: Campaign, action: str, *, actor, note: str = "", **changes) -> Campaign:
    """Move the campaign by ``action`` (one conditional UPDATE under the row lock), or
    raise saying from which states it is possible."""
    allowed, target = TRANSITIONS[action]
    now = timezone.now()
    with transaction.atomic():
        current = Campaign.objects.select_for_update().get(pk=campaign.pk)
        moved = Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(
            status=target, updated_at=now, **changes
        )
        if not moved:
            names = " or ".join(S(s).label.lower() for s in allowed)
            raise InvalidTransition(
                f"Cannot {action} a campaign that is {current.get_status_display().lower()}; "
                f"only one that is {names}."
            )
        CampaignEvent.objects.create(
            campaign=current,
            from_status=current.status,
            to_status=target,
            actor=actor,
            note=note,
            occurred_at=now,
        )
        current.refresh_from_db()
    return current


def campaign_mark_funded(*, campaign: Campaign, actor=None, note: str = "") -> Campaign:
    """Called when money arrived (Stripe webhook or staff invoice): draft -> funded."""
    return _transition(campaign, "fund", actor=actor, note=note, funded_at=timezone.now())


@transaction.atomic
def campaign_fund_by_invoice(*, campaign: Campaign, staff_user, reference: str = "") -> Payment:
    """Site staff record that the brand paid by invoice: draft -> funded."""
    if not getattr(staff_user, "is_staff", False):
        raise RoleRequired("Only site staff record invoice payments.")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise InvalidTransition("Only a draft campaign is funded.")
    payment = Payment.objects.create(
        campaign=campaign,
        provider=Payment.Provider.INVOICE,
        status=Payment.Status.PAID,
        amount_cents=campaign.budget_cents,
        currency=campaign.currency,
        invoice_reference=reference,
        created_by=staff_user,
        paid_at=timezone.now(),
    )
    campaign_mark_funded(campaign=campaign, actor=staff_user, note=f"invoice {reference}".strip())
    return payment


def campaign_submit(*, campaign: Campaign, user) -> Campaign:
    """Send a funded (or rejected and edited) campaign to site staff for review."""
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.MANAGER)
    campaign = Campaign.objects.get(pk=campaign.pk)
    if campaign.funded_at is None:
        raise InvalidTransition(
            f"Cannot submit a campaign that is {campaign.get_status_display().lower()} and "
            "not funded: fund it first."
        )
    campaign = _transition(
        campaign, "submit", actor=user, submitted_at=timezone.now(), rejection_reason=""
    )
    fairness_snapshot_take(campaign=campaign)
    return campaign


def fairness_snapshot_take(*, campaign: Campaign) -> FairnessSnapshot:
    """Store the fairness report as it is now (at submission, for the review queue)."""
    from campaigns.selectors.fairness import fairness_report, headline

    report = fairness_report(campaign=campaign)
    return FairnessSnapshot.objects.create(
        campaign=campaign,
        headline=headline(report),
        flagged_groups=report.get("flagged_groups", []),
        report=report,
    )


def campaign_approve(*, campaign: Campaign, staff_user, note: str = "") -> Campaign:
    """Staff approve: the campaign goes live. When its fairness snapshot flags groups
    (selection rate below four fifths of the best-served group), a written justification
    is required."""
    from campaigns.selectors.review import approval_flags

    _staff_require(staff_user)
    flags = approval_flags(campaign=campaign)  # the one rule the review page shows too
    if flags and not note.strip():
        raise CampaignInvalid(
            f"The fairness report flags {', '.join(flags)}: write why the campaign may go "
            "live anyway.",
            field="note",
        )
    campaign = _transition(
        campaign,
        "approve",
        actor=staff_user,
        note=note,
        reviewed_by=staff_user,
        reviewed_at=timezone.now(),
        review_note=note,
    )
    _brand_notify(campaign, "approved and live", note)
    return campaign


def campaign_reject(*, campaign: Campaign, staff_user, reason: str) -> Campaign:
    _staff_require(staff_user)
    reason = (reason or "").strip()
    if not reason:
        raise CampaignInvalid("Say why the campaign is rejected.", field="reason")
    campaign = _transition(
        campaign,
        "reject",
        actor=staff_user,
        note=reason,
        reviewed_by=staff_user,
        reviewed_at=timezone.now(),
        rejection_reason=reason,
    )
    _brand_notify(campaign, "rejected", reason)
    return campaign


def campaign_pause(*, campaign: Campaign, user) -> Campaign:
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.MANAGER)
    return _transition(campaign, "pause", actor=user)


def campaign_resume(*, campaign: Campaign, user) -> Campaign:
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.MANAGER)
    return _transition(campaign, "resume", actor=user)


def campaign_end(*, campaign: Campaign, user=None) -> Campaign:
    """End the campaign (brand owner, or the system at its end date). The ``campaign_ended``
    signal then lets the perks app settle it: it knows what the claims still owe, and
    refunds the rest (perks/receivers.py)."""
    if user is not None:
        brand_role_require(user=user, brand=campaign.brand, role=BrandRole.OWNER)
    campaign = _transition(campaign, "end", actor=user, ended_at=timezone.now())
    campaign_ended.send(sender=Campaign, campaign=campaign)
    return campaign


def _brand_notify(campaign: Campaign, what: str, note: str) -> None:
    from core.tasks import email_send

    emails = list(
        BrandMembership.objects.filter(
            brand=campaign.brand, role__in=[BrandRole.OWNER, BrandRole.MANAGER]
        ).values_list("user__email", flat=True)
    )
    emails = [e for e in emails if e]
    if not emails:
        return
    body = f"Your campaign {campaign.name} was {what} by site staff.\n\n{note}\n"
    subject = f"Campaign {campaign.name}: {what}"
    transaction.on_commit(lambda: email_send.delay(to=emails, subject=subject, body=body))


def campaigns_end_due() -> int:
    """End every live or paused campaign past its end date; returns how many."""
    ended = 0
    due = Campaign.objects.filter(
        status__in=[S.LIVE, S.PAUSED], ends_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in list(due):
        try:
            campaign_end(campaign=Campaign.objects.get(pk=pk))
            ended += 1
        except InvalidTransition:  # ended meanwhile by its brand
            continue
    return ended

"""Fulfilment: the member gets the code or the next steps by e-mail; brand staff mark
shipped and experience perks fulfilled; shipping addresses are forgotten on schedule."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from campaigns.models import BrandRole, Campaign
from campaigns.services.campaigns import brand_role_require
from perks.errors import ClaimNotCancellable
from perks.models import Claim, ClaimStatus, PerkCode, PerkKind

logger = logging.getLogger(__name__)
# Claims whose member may still be waiting for the code or the next steps (the outbox).
OUTBOX_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.FULFILLED)


def _spend(claim: Claim) -> None:
    """Charge one unit's value to the campaign's budget (never beyond it: the constraint)."""
    value = claim.perk.value_cents
    if value:
        Campaign.objects.filter(pk=claim.perk.campaign_id).update(
            spent_cents=F("spent_cents") + value
        )


def _mark_fulfilled(claim_id: int, now=None) -> bool:
    """Claimed -> fulfilled, once. A win is not a claim until its winner confirms it."""
    done = Claim.objects.filter(pk=claim_id, status=ClaimStatus.CLAIMED).update(
        status=ClaimStatus.FULFILLED, fulfilled_at=now or timezone.now()
    )
    return bool(done)


def claim_fulfil(*, claim_id: int, connection=None) -> Claim:
    """Send the member what the claim gives, then mark it sent (at least once: the mail goes
    out before the mark commits, so a failure leaves the claim in the outbox to be tried
    again). A code perk is fulfilled by the e-mail with its code; the others get their next
    steps and are fulfilled by the brand (a claim the brand marked fulfilled before the
    sweep still gets its e-mail). A claim already sent is left alone. ``connection``: the
    mail server connection of a batch (one is opened otherwise)."""
    from core.tasks import email_send_now

    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("perk__campaign__brand", "member__user")
            .get(pk=claim_id)
        )
        if claim.notified_at is not None or claim.status not in OUTBOX_STATUSES:
            return claim
        perk, email = claim.perk, claim.member.user.email if claim.member.user_id else None
        brand, now = perk.campaign.brand.name, timezone.now()
        if perk.kind == PerkKind.CODE:
            code = PerkCode.objects.filter(claim=claim).values_list("code", flat=True).first()
            body = f"Your code for {perk.title} from {brand}: {code}\n"
            if _mark_fulfilled(claim.pk, now):
                claim.status, claim.fulfilled_at = ClaimStatus.FULFILLED, now
                _spend(claim)
        else:
            body = (
                f"You have {perk.title} from {brand}. "
                f"{brand} will contact you with the next steps.\n"
            )
        body += f"\nPlease disclose it when you post about it:\n{perk.disclosure_text}\n"
        Claim.objects.filter(pk=claim.pk).update(notified_at=now)
        claim.notified_at = now
        if email:
            email_send_now(
                to=[email], subject=f"Your perk: {perk.title}", body=body, connection=connection
            )
    return claim


# The fulfilment outbox. A claim is written with its transaction and needs no message of
# its own: the claims not yet sent (claimed or fulfilled, notified_at empty; a partial index) are
# swept by one task, started at most once per KICK_SECONDS by the claims themselves and
# every minute by beat as a safety net. A claim request so costs one cache ``add`` rather
# than a broker round trip, and a burst of claims is fulfilled in batches.
KICK_KEY = "perks:fulfil-kick"
KICK_SECONDS = 1
SWEEP_BATCH = 500


def claims_fulfil_pending(*, limit: int = SWEEP_BATCH) -> int:
    """Fulfil the claims waiting in the outbox, oldest first; returns how many were sent. A
    claim that fails (the mail server, a broken row) is logged and left for the next sweep;
    it does not hold up the others."""
    waiting = Claim.objects.filter(status__in=OUTBOX_STATUSES, notified_at__isnull=True)
    claim_ids = list(waiting.order_by("pk").values_list("pk", flat=True)[:limit])
    sent = 0
    if not claim_ids:
        return sent
    with get_connection() as connection:  # one mail server connection for the batch
        for claim_id in claim_ids:
            try:
                if claim_fulfil(claim_id=claim_id, connection=connection).notified_at:
                    sent += 1
            except Exception:  # one claim's failure must not stop the outbox
                logger.exception("fulfilment of claim %s failed; it stays in the outbox", claim_id)
    return sent


def fulfilment_kick() -> None:
    """After a claim commits: make sure a sweep runs soon. With eager tasks (development,
    tests) it runs at once; otherwise the first claim of each second schedules it."""
    from perks.tasks import claims_fulfil_pending_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(claims_fulfil_pending_task.delay)
    elif cache.add(KICK_KEY, 1, timeout=KICK_SECONDS):
        transaction.on_commit(
            lambda: claims_fulfil_pending_task.apply_async(countdown=KICK_SECONDS)
        )


@transaction.atomic
def claim_mark_fulfilled(*, claim: Claim, user) -> Claim:
    """Brand staff: the item was shipped, the experience given."""
    brand_role_require(user=user, brand=claim.perk.campaign.brand, role=BrandRole.MANAGER)
    if claim.perk.kind == PerkKind.CODE:
        raise ClaimNotCancellable("A code perk is fulfilled by the e-mail with its code.")
    if not _mark_fulfilled(claim.pk):
        raise ClaimNotCancellable(
            f"A claim that is {claim.get_status_display().lower()} cannot be fulfilled."
        )
    _spend(claim)
    claim.refresh_from_db()
    return claim


ADDRESS_CLEARED = {"shipping_name": "", "shipping_address": ""}


def address_forget(claim_id: int) -> int:
    """Delete a claim's shipping name and address now (a claim that will never ship)."""
    has_address = ~(Q(shipping_address="") & Q(shipping_name=""))
    return Claim.objects.filter(has_address, pk=claim_id).update(
        **ADDRESS_CLEARED, address_deleted_at=timezone.now()
    )


def addresses_forget_due() -> int:
    """Delete the shipping addresses no longer needed: of claims fulfilled longer ago than
    their perk keeps them; of cancelled and expired claims (cleared when they move, and
    here again as a safety net); and of lottery losers once no win of their perk is
    waiting for confirmation (nobody further down the line can be drawn any more)."""
    now = timezone.now()
    with_address = Claim.objects.filter(address_deleted_at__isnull=True).exclude(
        Q(shipping_address="") & Q(shipping_name="")
    )
    forgotten = 0
    for claim in with_address.filter(status=ClaimStatus.FULFILLED).select_related("perk"):
        if claim.fulfilled_at + timedelta(days=claim.perk.address_retention_days) <= now:
            forgotten += address_forget(claim.pk)
    waiting = Claim.objects.filter(perk=OuterRef("perk"), status=ClaimStatus.WON)
    gone = with_address.filter(
        Q(status__in=[ClaimStatus.CANCELLED, ClaimStatus.EXPIRED])
        | Q(status=ClaimStatus.LOST, perk__drawn_at__isnull=False) & ~Exists(waiting)
    )
    forgotten += gone.update(**ADDRESS_CLEARED, address_deleted_at=now)
    return forgotten

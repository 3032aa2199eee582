"""Lottery perks and the inclusion share, drawn so that anyone can check the draw.

Commit and reveal: when the perk is created a random seed is drawn and only its SHA-256 is
published (on the perk's page); entries are taken during the window; at close the order of
the entries is ``sorted by sha256(seed:claim id)`` and the seed is revealed with the list of
entries, so anyone can recompute the order (``lottery_order``) and check the seed against the
commitment. The campaign's inclusion share of the units is drawn first, among every entry
from a topic-engaged member whatever their score; the other units among the eligible
entries. Losers are told and keep their rank; a win not confirmed in time passes to the next
runner-up.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from perks.errors import ClaimNotCancellable, PerkSoldOut
from perks.models import Claim, ClaimStatus, Perk, PerkKind
from perks.selectors.claims import units_to_draw
from perks.services.fulfilment import address_forget, fulfilment_kick


def lottery_order(seed: str, entry_ids: list[int]) -> list[int]:
    """The draw order of the entries: public, deterministic, unpredictable before the seed."""
    return sorted(entry_ids, key=lambda i: (hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), i))


def _notify(claim: Claim, subject: str, body: str) -> None:
    from core.tasks import email_send

    email = claim.member.user.email if claim.member.user_id else None
    if email:
        transaction.on_commit(lambda: email_send.delay(to=[email], subject=subject, body=body))


def _win(claim: Claim, perk: Perk, now) -> None:
    claim.status, claim.won_at = ClaimStatus.WON, now
    claim.win_expires_at = now + timedelta(days=perk.win_confirm_days)
    claim.save(update_fields=["status", "won_at", "win_expires_at", "lottery_rank"])
    _notify(
        claim,
        f"You won {perk.title}",
        f"You won {perk.title} from {perk.campaign.brand.name}. Confirm it on the perk's page "
        f"by {claim.win_expires_at:%Y-%m-%d %H:%M} UTC, or it passes to the next in line.\n",
    )


def _lose(claim: Claim, perk: Perk, now, rank: int) -> None:
    claim.status, claim.lost_at = ClaimStatus.LOST, now
    claim.save(update_fields=["status", "lost_at", "lottery_rank"])
    _notify(
        claim,
        f"{perk.title}: not drawn this time",
        f"You were not drawn for {perk.title} (you are number {rank} in line). If a "
        "winner does not confirm, the next in line is told.\n",
    )


def _winners(perk: Perk, entries: dict[int, Claim], order: list[int]) -> tuple[list[int], int]:
    """The winning entries in draw order, and how many units went to the inclusion share:
    its units first, among the entries of every topic-engaged member; then the rest among
    the eligible entries."""
    units = units_to_draw(
        allocation=perk.allocation,
        quantity=perk.quantity,
        claimed_count=perk.claimed_count,
        reserved_for_inclusion=perk.reserved_for_inclusion,
    )
    inclusion_units = min(perk.reserved_for_inclusion, units)
    winners = [i for i in order if entries[i].decision.get("inclusion_eligible")]
    winners = winners[:inclusion_units]
    others = [i for i in order if entries[i].decision.get("eligible") and i not in winners]
    winners += others[: max(units - len(winners), 0)]
    return winners, inclusion_units


def perk_lottery_draw(*, perk_id: int) -> Perk:
    """Draw a closed perk's entries (once; a perk drawn already is left as it is)."""
    now = timezone.now()
    with transaction.atomic():
        perk = Perk.objects.select_for_update().select_related("campaign__brand").get(pk=perk_id)
        if perk.drawn_at is not None or now < perk.closes_at or not perk.lottery_seed:
            return perk
        entries = {
            c.pk: c
            for c in Claim.objects.filter(perk=perk, status=ClaimStatus.ENTERED).select_related(
                "member__user"
            )
        }
        order = lottery_order(perk.lottery_seed, sorted(entries))
        winners, inclusion_units = _winners(perk, entries, order)
        for rank, claim_id in enumerate(order, start=1):
            claim = entries[claim_id]
            claim.lottery_rank = rank
            if claim_id in winners:
                _win(claim, perk, now)
            else:
                _lose(claim, perk, now, rank)
        Perk.objects.filter(pk=perk.pk).update(claimed_count=F("claimed_count") + len(winners))
        perk.drawn_at = now
        perk.draw_record = {
            "seed_sha256": perk.lottery_seed_hash,
            "entries": sorted(entries),
            "order": order,
            "inclusion_units": inclusion_units,
            "winners": winners,
        }
        perk.save(update_fields=["drawn_at", "draw_record"])
    perk.refresh_from_db()
    return perk


def lotteries_draw_due() -> int:
    """Draw every perk whose window has closed and that has a seed, once."""
    due = Perk.objects.filter(closes_at__lte=timezone.now(), drawn_at__isnull=True).exclude(
        lottery_seed=""
    )
    return sum(1 for pk in due.values_list("pk", flat=True) if perk_lottery_draw(perk_id=pk))


def claim_confirm(*, claim: Claim, member) -> Claim:
    """The winner takes the win: it becomes a claim, fulfilled like any other."""
    from perks.services.claims import _take_code

    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("perk").get(pk=claim.pk)
        if claim.member_id != member.pk or claim.status != ClaimStatus.WON:
            raise ClaimNotCancellable("Only a win of yours can be confirmed.")
        if claim.win_expires_at and claim.win_expires_at <= timezone.now():
            raise ClaimNotCancellable("This win has expired.")
        if claim.perk.kind == PerkKind.CODE and _take_code(claim.perk_id, claim.pk) is None:
            raise PerkSoldOut("No code is left for this perk; the brand has been told.")
        claim.status = ClaimStatus.CLAIMED
        claim.save(update_fields=["status"])
        fulfilment_kick()
    return claim


def win_pass_on(claim: Claim, now) -> Claim | None:
    """A win that lapsed (expired or cancelled) passes to the best-ranked runner-up who
    qualified for the draw; with nobody left in line the unit returns. Called under the
    lapsed claim's row lock; returns the new winner."""
    runner_up = (
        Claim.objects.select_for_update(of=("self",))
        .filter(perk=claim.perk, status=ClaimStatus.LOST)
        .order_by("lottery_rank")
        .select_related("member__user")
    )
    nxt = next(
        (
            c
            for c in runner_up
            if c.decision.get("eligible") or c.decision.get("inclusion_eligible")
        ),
        None,
    )
    if nxt is None:
        Perk.objects.filter(pk=claim.perk_id, claimed_count__gt=0).update(
            claimed_count=F("claimed_count") - 1
        )
        return None
    _win(nxt, claim.perk, now)
    return nxt


def wins_expire_due() -> int:
    """Wins not confirmed in time expire; each passes to the next runner-up in rank order
    (an entry that qualified for the draw)."""
    now = timezone.now()
    expired = 0
    for claim_id in Claim.objects.filter(
        status=ClaimStatus.WON, win_expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            claim = (
                Claim.objects.select_for_update()
                .select_related("perk__campaign__brand")
                .get(pk=claim_id)
            )
            if claim.status != ClaimStatus.WON:
                continue
            claim.status, claim.expired_at = ClaimStatus.EXPIRED, now
            claim.save(update_fields=["status", "expired_at"])
            expired += 1
            address_forget(claim.pk)
            win_pass_on(claim, now)
    return expired

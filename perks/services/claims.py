"""Claiming perks: atomic, idempotent, never oversold.

A first-come claim is one transaction: a conditional ``UPDATE`` takes a unit only while
``claimed_count < quantity``; the claim row is inserted under the partial unique constraint
(one active claim per member and perk) and the idempotency-key constraint; a code perk takes
the first free code with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) or a conditional update.
Any refusal rolls everything back. Eligibility is decided again at claim time and stored
with the claim.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import CampaignStatus
from campaigns.selectors.eligibility import Decision, eligibility_decide
from core.errors import NotFound
from perks.errors import (
    AlreadyClaimed,
    ClaimNotCancellable,
    NotEligible,
    PerkClosed,
    PerkInvalid,
    PerkSoldOut,
)
from perks.models import (
    CANCELLABLE_STATUSES,
    Allocation,
    Claim,
    ClaimStatus,
    Perk,
    PerkCode,
    PerkKind,
)
from perks.services import claims_pg
from perks.services.fulfilment import address_forget, fulfilment_kick
from perks.services.lottery import win_pass_on
from scoring.models import Member
from scoring.services import member_for_user

MAX_KEY_LENGTH = 64


def _take_code(perk_id: int, claim_id: int) -> str | None:
    """Give the claim the first free code of the perk; the code, or None when none is left."""
    if connection.vendor == "postgresql":
        table = PerkCode._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET claim_id = %s WHERE id = ("  # noqa: S608 - table name only
                f"SELECT id FROM {table} WHERE perk_id = %s AND claim_id IS NULL "
                "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code",
                [claim_id, perk_id],
            )
            row = cursor.fetchone()
            return row[0] if row else None
    free = PerkCode.objects.filter(perk_id=perk_id, claim__isnull=True)
    for code_id, code in free.values_list("pk", "code")[:5]:
        if PerkCode.objects.filter(pk=code_id, claim__isnull=True).update(claim_id=claim_id):
            return code
    return None


def _check_open(perk: Perk) -> None:
    if perk.campaign.status != CampaignStatus.LIVE:
        raise PerkClosed("The campaign is not live.")
    if not perk.is_open():
        raise PerkClosed(
            f"Claims are open from {perk.opens_at:%Y-%m-%d %H:%M} to "
            f"{perk.closes_at:%Y-%m-%d %H:%M} UTC."
        )


def _existing(member_id: int, key: str) -> Claim | None:
    # Unordered on purpose: the unique (member, key) index answers; an ORDER BY would let
    # the planner walk the primary key instead.
    found = (
        Claim.objects.filter(member_id=member_id, idempotency_key=key)
        .select_related("code")  # the answer shows the claim's code
        .order_by()[:1]
    )
    return next(iter(found), None)


def usable_key(idempotency_key: str | None) -> str | None:
    """The idempotency key as a claim uses it (stripped), or None when it is not usable."""
    key = (idempotency_key or "").strip()
    return key if 0 < len(key) <= MAX_KEY_LENGTH else None


def _read_is_for(read: claims_pg.ClaimRead | None, perk_id: int, key: str, member, user) -> bool:
    """Whether a read made ahead (by API token) is this claim's: same perk, key and user."""
    return (
        read is not None
        and read.token is not None
        and member is None
        and getattr(user, "pk", None) == read.token.user_id
        and (read.perk_id, read.key) == (perk_id, key)
    )


class _Facts(NamedTuple):
    """What a claim is decided on: the member, the claim this key already made (if any), the
    perk (None: no such perk) and, on PostgreSQL, the eligibility decision read with them."""

    member: Member | None
    member_id: int
    previous: Claim | None
    perk: Perk | None
    decision: Decision | None


def _facts_pg(perk_id: int, key: str, member, user, prefetched) -> _Facts:
    """The facts in one query (perks.services.claims_pg), or none when the API's token
    authentication already read them for this user, perk and key."""
    read = prefetched if _read_is_for(prefetched, perk_id, key, member, user) else None
    if read is None:
        read = claims_pg.read(
            perk_id=perk_id, key=key, member_id=member.pk if member else None, user=user
        )
    if read.member_id is None:  # a user without a member profile yet
        if user is None:
            raise NotFound("No such member.")
        member = member_for_user(user=user)
        read = claims_pg.read(perk_id=perk_id, key=key, member_id=member.pk)
    previous = (
        Claim.objects.select_related("code").get(pk=read.existing_id) if read.existing_id else None
    )
    return _Facts(member, read.member_id, previous, read.perk, read.decision)


def _facts_orm(perk_id: int, key: str, member, user) -> _Facts:
    member = member or member_for_user(user=user)
    perk = Perk.objects.select_related("campaign__brand").filter(pk=perk_id).first()
    return _Facts(member, member.pk, _existing(member.pk, key), perk, None)


def _replayed(claim: Claim, perk_id: int) -> Claim:
    """The claim an idempotency key already made, when it was made for this perk."""
    if claim.perk_id != perk_id:
        raise PerkInvalid("This idempotency key was used for another perk.")
    return claim


def _admit(
    perk: Perk | None, member, decision: Decision | None, shipping_name: str, shipping_address: str
) -> tuple[Decision, bool]:
    """Whether the member may claim the perk now: the decision, and whether they are admitted
    through the campaign's inclusion share. Raises the refusal that applies."""
    if perk is None:
        raise NotFound("No such perk.")
    _check_open(perk)
    if perk.kind == PerkKind.PHYSICAL and not (shipping_name.strip() and shipping_address.strip()):
        raise PerkInvalid("A name and a shipping address are needed.", field="shipping_address")
    decision = decision or eligibility_decide(campaign=perk.campaign, member=member)
    via_inclusion = (
        not decision.eligible and decision.inclusion_eligible and perk.reserved_for_inclusion > 0
    )
    if not decision.eligible and not via_inclusion:
        reasons = "; ".join(r.text for r in decision.failed)
        raise NotEligible(f"Not eligible: {reasons}.", decision=decision)
    return decision, via_inclusion


def _insert(fast: bool, facts: _Facts, key: str, decision: Decision, *shipping_and_inclusion):
    """The new claim, or None when a constraint refused it (one active claim per member and
    perk, one claim per idempotency key): everything it did is rolled back then."""
    insert = _claim_insert_pg if fast else _claim_insert
    try:
        return insert(facts.perk, facts.member_id, key, decision, *shipping_and_inclusion)
    except IntegrityError:
        return None


def perk_claim(
    *,
    perk: Perk | int,
    member: Member | None = None,
    user=None,
    idempotency_key: str,
    shipping_name: str = "",
    shipping_address: str = "",
    prefetched: claims_pg.ClaimRead | None = None,
) -> tuple[Claim, bool]:
    """Claim (or enter the lottery for) a perk, as the member (or the user's member
    profile). Returns the claim and whether it is new; the same idempotency key returns the
    same claim, whatever happened in between.

    ``prefetched`` is the PostgreSQL read already made for this user, perk and key (the
    claim API's token authentication makes it: one query for the token and the facts)."""
    perk_id = perk if isinstance(perk, int) else perk.pk  # read fresh: the state may move
    key = usable_key(idempotency_key)
    if key is None:
        raise PerkInvalid(f"An idempotency key of 1-{MAX_KEY_LENGTH} characters is needed.")
    fast = connection.vendor == "postgresql"
    if fast:
        facts = _facts_pg(perk_id, key, member, user, prefetched)
    else:
        facts = _facts_orm(perk_id, key, member, user)
    if facts.previous is not None:
        return _replayed(facts.previous, perk_id), False
    decision, via_inclusion = _admit(
        facts.perk, facts.member, facts.decision, shipping_name, shipping_address
    )
    claim = _insert(
        fast, facts, key, decision, shipping_name.strip(), shipping_address.strip(), via_inclusion
    )
    if claim is None:  # refused by a constraint: the same request at the same moment, or not
        again = _existing(facts.member_id, key)
        if again is None:
            raise AlreadyClaimed("You already hold a claim of this perk.")
        return _replayed(again, perk_id), False
    if claim.status == ClaimStatus.CLAIMED:
        fulfilment_kick()
    return claim, True


def _claim_insert_pg(
    perk, member_id, key, decision, shipping_name, shipping_address, via_inclusion
):
    lottery = perk.allocation == Allocation.LOTTERY or via_inclusion
    needs_code = not lottery and perk.kind == PerkKind.CODE
    claim, code_found = claims_pg.insert(
        perk=perk,
        member_id=member_id,
        key=key,
        decision=decision,
        status=ClaimStatus.ENTERED if lottery else ClaimStatus.CLAIMED,
        takes_unit=not lottery,
        needs_code=needs_code,
        via_inclusion=via_inclusion,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
    )
    if claim is None:
        if needs_code and not code_found:
            raise PerkSoldOut(f"{perk.title} has no code left.")
        raise PerkSoldOut(f"{perk.title} is sold out.")
    return claim


@transaction.atomic
def _claim_insert(
    perk, member_id, key, decision, shipping_name, shipping_address, via_inclusion
) -> Claim:
    """Insert the claim (the ORM's way, one transaction); a first-come claim takes a unit
    (the units reserved for the inclusion lottery excepted) and, for a code perk, a code. An
    entry (lottery, or the inclusion share of a first-come perk) takes nothing until it is
    drawn."""
    lottery = perk.allocation == Allocation.LOTTERY or via_inclusion
    if not lottery:
        taken = Perk.objects.filter(
            pk=perk.pk, claimed_count__lt=F("quantity") - F("reserved_for_inclusion")
        ).update(claimed_count=F("claimed_count") + 1)
        if not taken:
            raise PerkSoldOut(f"{perk.title} is sold out.")
    claim = Claim.objects.create(
        perk=perk,
        member_id=member_id,
        status=ClaimStatus.ENTERED if lottery else ClaimStatus.CLAIMED,
        via_inclusion=via_inclusion,
        idempotency_key=key,
        decision=decision.as_dict(),
        shipping_name=shipping_name,
        shipping_address=shipping_address,
    )
    claim.assigned_code = None
    if not lottery and perk.kind == PerkKind.CODE:
        claim.assigned_code = _take_code(perk.pk, claim.pk)  # shown in the answer
        if claim.assigned_code is None:
            raise PerkSoldOut(f"{perk.title} has no code left.")
    # Checked again under the write (SQLite serialises writers): a campaign ended or a
    # window closed since the facts were read takes nothing.
    now = timezone.now()
    still_open = Perk.objects.filter(
        pk=perk.pk,
        campaign__status=CampaignStatus.LIVE,
        opens_at__lte=now,
        closes_at__gt=now,
    ).exists()
    if not still_open:
        raise PerkClosed("Claims for this perk closed a moment ago.")
    return claim


@transaction.atomic
def claim_cancel(*, claim: Claim, member: Member) -> Claim:
    """The member gives a claim back before fulfilment: the unit returns (a cancelled win
    passes to the next in line, as an expired one does) and a shipping address is deleted
    at once. A code, once shown, cannot be given back: it might be used."""
    claim = Claim.objects.select_for_update().select_related("perk").get(pk=claim.pk)
    if claim.member_id != member.pk:
        raise ClaimNotCancellable("This is not your claim.")
    if claim.status not in CANCELLABLE_STATUSES:
        raise ClaimNotCancellable(
            f"A claim that is {claim.get_status_display().lower()} cannot be cancelled."
        )
    if PerkCode.objects.filter(claim=claim).exists():
        raise ClaimNotCancellable(
            "Your code has been shown to you, so this claim cannot be given back."
        )
    was = claim.status
    claim.status, claim.cancelled_at = ClaimStatus.CANCELLED, timezone.now()
    claim.save(update_fields=["status", "cancelled_at"])
    address_forget(claim.pk)
    if was == ClaimStatus.WON:
        win_pass_on(claim, claim.cancelled_at)
    elif was == ClaimStatus.CLAIMED:
        Perk.objects.filter(pk=claim.perk_id, claimed_count__gt=0).update(
            claimed_count=F("claimed_count") - 1
        )
    return claim

"""Perks and their code pools, written by brand staff."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets

from django.db import IntegrityError, transaction

from campaigns.models import BrandRole, Campaign, CampaignStatus
from campaigns.services.campaigns import brand_role_require, campaign_committed_cents
from perks.errors import CodesInvalid, PerkInvalid
from perks.models import DEFAULT_DISCLOSURE, Allocation, Perk, PerkCode, PerkKind

MAX_CODE_LENGTH = 255
MAX_CODES_PER_UPLOAD = 100_000


def seed_hash(seed: str) -> str:
    """The published commitment to a lottery seed: its SHA-256, in hex."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


@transaction.atomic
def perk_create(*, campaign: Campaign, user, **fields) -> Perk:
    """A perk of the campaign (managers). A lottery perk gets its seed now: the hash is
    published at once, the seed only after the draw."""
    brand_role_require(user=user, brand=campaign.brand, role=BrandRole.MANAGER)
    # Under the campaign's row lock: two perks created at once cannot both fit the budget.
    campaign = Campaign.objects.select_for_update().select_related("brand").get(pk=campaign.pk)
    if campaign.status in (CampaignStatus.ENDED, CampaignStatus.REJECTED):
        raise PerkInvalid(f"The campaign is {campaign.get_status_display().lower()}.")
    opens, closes = fields.get("opens_at"), fields.get("closes_at")
    if opens is None or closes is None or closes <= opens:
        raise PerkInvalid("The claim window must close after it opens.", field="closes_at")
    if closes > campaign.ends_at or opens < campaign.starts_at:
        raise PerkInvalid(
            "The claim window must lie within the campaign's dates.", field="opens_at"
        )
    quantity = fields.get("quantity") or 0
    if quantity < 1:
        raise PerkInvalid("The quantity is at least 1.", field="quantity")
    value = fields.get("value_cents", 0)
    committed = campaign_committed_cents(campaign)
    if committed + value * quantity > campaign.budget_cents:
        left = max(campaign.budget_cents - committed, 0)
        raise PerkInvalid(
            f"{quantity} units of {value} cents ({value * quantity} cents) exceed what is left "
            f"of the campaign's budget: {left} of {campaign.budget_cents} cents, the rest being "
            "committed to its other perks.",
            field="value_cents",
        )
    if fields.get("kind", PerkKind.CODE) not in PerkKind.values:
        raise PerkInvalid("Unknown kind.", field="kind")
    fields.setdefault("disclosure_text", DEFAULT_DISCLOSURE.format(brand=campaign.brand.name))
    fields["reserved_for_inclusion"] = quantity * campaign.inclusion_share_percent // 100
    if fields.get("allocation") == Allocation.LOTTERY or fields["reserved_for_inclusion"]:
        seed = secrets.token_hex(32)
        fields["lottery_seed"], fields["lottery_seed_hash"] = seed, seed_hash(seed)
    return Perk.objects.create(campaign=campaign, **fields)


def _read_codes(data: bytes) -> list[tuple[int, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CodesInvalid(f"The file is not UTF-8 (byte {error.start}).", field="file") from None
    rows = list(enumerate(csv.reader(io.StringIO(text)), start=1))
    if rows and rows[0][1] and rows[0][1][0].strip().lower() == "code":
        rows = rows[1:]  # a header
    codes, problems, seen = [], [], {}
    for line, row in rows:
        value = row[0].strip() if row else ""
        if not value:
            problems.append(f"line {line}: blank code")
        elif len(value) > MAX_CODE_LENGTH:
            problems.append(f"line {line}: longer than {MAX_CODE_LENGTH} characters")
        elif value in seen:
            problems.append(f"line {line}: duplicate of line {seen[value]} ({value!r})")
        else:
            seen[value] = line
            codes.append((line, value))
    if problems:
        shown = "; ".join(problems[:20]) + ("; ..." if len(problems) > 20 else "")
        raise CodesInvalid(f"{len(problems)} problems, nothing imported: {shown}", field="file")
    if not codes:
        raise CodesInvalid("The file has no codes.", field="file")
    if len(codes) > MAX_CODES_PER_UPLOAD:
        raise CodesInvalid(f"At most {MAX_CODES_PER_UPLOAD:,} codes per file.", field="file")
    return codes


@transaction.atomic
def perk_codes_upload(*, perk: Perk, user, data: bytes) -> int:
    """Add codes from a CSV (one code per line, first column, optional ``code`` header).
    Blank, too long or duplicate codes (in the file or already in the pool) are refused
    with their line numbers, and nothing is added."""
    brand_role_require(user=user, brand=perk.campaign.brand, role=BrandRole.MANAGER)
    if perk.kind != PerkKind.CODE:
        raise CodesInvalid("Only code perks have a code pool.", field="file")
    codes = _read_codes(data)
    existing = set(
        PerkCode.objects.filter(perk=perk, code__in=[c for _, c in codes]).values_list(
            "code", flat=True
        )
    )
    clashes = [
        f"line {line}: already in the pool ({code!r})" for line, code in codes if code in existing
    ]
    if clashes:
        raise CodesInvalid(
            f"{len(clashes)} problems, nothing imported: " + "; ".join(clashes[:20]), field="file"
        )
    try:
        PerkCode.objects.bulk_create(PerkCode(perk=perk, code=c) for _, c in codes)
    except IntegrityError:  # another upload added one of them meanwhile
        raise CodesInvalid(
            "Some codes were added meanwhile by another upload; try again."
        ) from None
    return len(codes)

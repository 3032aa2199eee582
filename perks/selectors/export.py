"""The perks app's section of "Download my data"."""

from __future__ import annotations

from perks.selectors.offers import member_claims
from scoring.models import Member


def member_export_section(*, member: Member) -> dict:
    return {
        "claims": [
            {
                "perk": c.perk.title,
                "brand": c.perk.campaign.brand.name,
                "status": c.status,
                "created_at": c.created_at.isoformat(),
                "code": c.code.code if hasattr(c, "code") and c.code else None,
                "shipping_name": c.shipping_name,
                "shipping_address": c.shipping_address,
                "decision": c.decision,
            }
            for c in member_claims(member=member)
        ]
    }

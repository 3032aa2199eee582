"""Perk pages: ``members`` (perks, claims) and ``brand`` (the brand dashboard)."""

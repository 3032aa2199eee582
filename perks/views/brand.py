"""The brand dashboard: each campaign's audience (from the campaigns app) and its claims
(counted here, where claims live), the one brand page that needs both."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaigns.selectors import brands as campaign_selectors
from perks.selectors import claims as claim_facts


@login_required
def brand_dashboard(request: HttpRequest) -> HttpResponse:
    """The brand's campaigns with their audience (from the campaigns app) and their claims
    (counted here, where claims live): the one brand page that needs both."""
    brands = []
    for membership in campaign_selectors.user_brand_memberships(user=request.user):
        rows = campaign_selectors.brand_campaign_rows(brand=membership.brand)
        claims = claim_facts.campaign_claim_counts(campaign_ids=[r["campaign"].pk for r in rows])
        for row in rows:
            row["claims"] = claims[row["campaign"].pk]
        brands.append({"membership": membership, "campaigns": rows})
    return render(request, "campaigns/brand_dashboard.html", {"brands": brands})

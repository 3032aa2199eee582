"""The brand workspace's campaign page: status and its timeline, the money (committed,
spent, refunded), the claims with their fulfilment ("Mark shipped"), a CSV of them, and
claims per day. Every view is scoped to the user's brands: another brand's campaign is a
404, and only managers and owners change anything."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from campaigns.models import ROLE_RANK, BrandMembership, BrandRole, Campaign
from campaigns.selectors import brands as campaign_selectors
from core.errors import DomainError
from perks.models import Claim
from perks.selectors.brand_campaign import (
    campaign_claims,
    campaign_claims_daily,
    campaign_timeline,
    claim_rows,
)
from perks.services.fulfilment import claim_mark_fulfilled

CLAIMS_PAGE = 50


def _campaign(request: HttpRequest, campaign_id: int) -> tuple[Campaign, BrandMembership]:
    campaign = campaign_selectors.campaign_for_staff(user=request.user, campaign_id=campaign_id)
    if campaign is None:
        raise Http404("No such campaign among your brands.")
    membership = BrandMembership.objects.get(brand=campaign.brand, user=request.user)
    return campaign, membership


@login_required
def brand_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign, membership = _campaign(request, campaign_id)
    page = Paginator(campaign_claims(campaign=campaign), CLAIMS_PAGE).get_page(
        request.GET.get("page")
    )
    daily = campaign_claims_daily(campaign=campaign)
    most = max((d["claims"] for d in daily), default=0)
    context = {
        "campaign": campaign,
        "membership": membership,
        "can_change": ROLE_RANK[membership.role] >= ROLE_RANK[BrandRole.MANAGER],
        "timeline": campaign_timeline(campaign=campaign),
        "claims": claim_rows(page.object_list),
        "page": page,
        "daily": [{**d, "height": round(100 * d["claims"] / most) if most else 0} for d in daily],
        "daily_most": most,
        "committed_cents": campaign.budget_cents if campaign.funded_at else 0,
    }
    return render(request, "brand/campaign.html", context)


@login_required
def brand_campaign_claims_csv(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Every claim of the campaign, for the brand's fulfilment: names where visible, and
    shipping details only for what is still to be sent."""
    campaign, _ = _campaign(request, campaign_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-claims.csv"'
    writer = csv.writer(response)
    writer.writerow(["claim", "perk", "status", "claimed_at", "fulfilled_at", "member"])
    for row in claim_rows(campaign_claims(campaign=campaign).iterator(chunk_size=2000)):
        claim = row["claim"]
        writer.writerow(
            [
                claim.pk,
                claim.perk.title,
                claim.get_status_display(),
                claim.created_at.isoformat(),
                claim.fulfilled_at.isoformat() if claim.fulfilled_at else "",
                row["member"],
            ]
            + ([row["name"], row["address"]] if row["to_ship"] else [])
        )
    return response


@login_required
@require_POST
def brand_claim_shipped(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = Claim.objects.select_related("perk__campaign__brand").filter(pk=claim_id).first()
    if (
        claim is None
        or not BrandMembership.objects.filter(
            brand=claim.perk.campaign.brand, user=request.user
        ).exists()
    ):
        raise Http404("No such claim among your brands.")
    try:
        claim_mark_fulfilled(claim=claim, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Claim {claim.pk} marked as sent.")
    return redirect("brand_campaign", campaign_id=claim.perk.campaign_id)

"""Member pages of perks: what I can claim, what I narrowly miss and why, my claims; a perk's
page with its disclosure text and (lotteries) the published seed hash."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.models import CampaignStatus
from campaigns.selectors.brands import campaign_for_staff
from campaigns.selectors.eligibility import eligibility_decide
from core.errors import DomainError
from perks.models import ACTIVE_STATUSES, Claim, Perk, PerkKind
from perks.selectors import offers as perk_offers
from perks.services.claims import claim_cancel as claim_cancel_service
from perks.services.claims import perk_claim as perk_claim_service
from perks.services.lottery import claim_confirm as claim_confirm_service
from scoring.services import member_for_user

# Campaign states whose perks members may see: live, paused (claims stopped for now) and
# ended (the page keeps the draw record and the member's claim).
PUBLISHED = (CampaignStatus.LIVE, CampaignStatus.PAUSED, CampaignStatus.ENDED)


@login_required
def perk_list(request: HttpRequest) -> HttpResponse:
    member = member_for_user(user=request.user)
    context = {
        # A perk already claimed (or entered) is listed under "My claims", not as open.
        "offers": perk_offers.member_perk_offers(member=member, include_held=False),
        "claims": list(perk_offers.member_claims(member=member)[:50]),
        "member": member,
    }
    return render(request, "perks/perk_list.html", context)


@login_required
def perk_detail(request: HttpRequest, perk_id: int) -> HttpResponse:
    perk = get_object_or_404(Perk.objects.select_related("campaign__brand"), pk=perk_id)
    if (
        perk.campaign.status not in PUBLISHED
        and campaign_for_staff(user=request.user, campaign_id=perk.campaign_id) is None
    ):
        raise Http404("No such perk.")  # a campaign not yet (or never) live is not public
    member = member_for_user(user=request.user)
    claim = (
        Claim.objects.filter(
            perk=perk, member=member, status__in=[s.value for s in ACTIVE_STATUSES]
        )
        .select_related("code")
        .first()
    )
    context = {
        "perk": perk,
        "claim": claim,
        "decision": eligibility_decide(campaign=perk.campaign, member=member),
        "idempotency_key": uuid.uuid4().hex,  # one per rendering: a double submit is one claim
        "needs_address": perk.kind == PerkKind.PHYSICAL,
        "can_enter_inclusion": perk.reserved_for_inclusion > 0,
    }
    return render(request, "perks/perk_detail.html", context)


@login_required
@require_POST
def perk_claim(request: HttpRequest, perk_id: int) -> HttpResponse:
    perk = get_object_or_404(Perk, pk=perk_id)
    try:
        claim, new = perk_claim_service(
            perk=perk,
            member=member_for_user(user=request.user),
            idempotency_key=request.POST.get("idempotency_key", ""),
            shipping_name=request.POST.get("shipping_name", ""),
            shipping_address=request.POST.get("shipping_address", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        entered = claim.status == "entered"
        messages.success(
            request,
            "You are in the lottery." if entered else f"{perk.title} is yours: check your e-mail.",
        )
    return redirect("perk_detail", perk_id=perk.pk)


def _own_claim_act(request: HttpRequest, claim_id: int, service, done: str) -> Claim:
    """Run ``service`` on one of the member's own claims; say how it went."""
    member = member_for_user(user=request.user)
    claim = Claim.objects.filter(pk=claim_id, member=member).first()
    if claim is None:
        raise Http404("No such claim of yours.")
    try:
        service(claim=claim, member=member)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return claim


@login_required
@require_POST
def claim_cancel(request: HttpRequest, claim_id: int) -> HttpResponse:
    _own_claim_act(
        request,
        claim_id,
        claim_cancel_service,
        "Claim cancelled; the perk went back to the others.",
    )
    return redirect("perk_list")


@login_required
@require_POST
def claim_confirm(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _own_claim_act(
        request,
        claim_id,
        claim_confirm_service,
        "Confirmed: check your e-mail for what comes next.",
    )
    return redirect("perk_detail", perk_id=claim.perk_id)

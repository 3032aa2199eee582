"""Brand pages: paying a campaign's budget, accepting an invitation. Thin: services
decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from campaigns.models import BrandInvitation
from campaigns.selectors.brands import campaign_for_staff
from campaigns.services.brands import brand_invitation_accept
from campaigns.services.stripe import campaign_checkout_start
from core.errors import DomainError


@login_required
def campaign_checkout(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for_staff(user=request.user, campaign_id=campaign_id)
    if campaign is None:
        raise Http404("No such campaign.")
    if request.method == "POST":
        back = request.build_absolute_uri(reverse("brand_dashboard"))
        try:
            payment = campaign_checkout_start(
                campaign=campaign,
                user=request.user,
                success_url=f"{back}?paid={campaign.pk}",
                cancel_url=f"{back}?cancelled={campaign.pk}",
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("brand_dashboard")
        return redirect(payment.checkout_url)
    return render(request, "campaigns/checkout.html", {"campaign": campaign})


@login_required
def brand_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = BrandInvitation.objects.select_related("brand").filter(token=token).first()
    if invitation is None:
        raise Http404("No such invitation.")
    if request.method == "POST":
        try:
            brand_invitation_accept(token=token, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"You are on the staff of {invitation.brand.name}.")
            return redirect("brand_dashboard")
    return render(request, "campaigns/invitation.html", {"invitation": invitation})

"""The member's page of campaigns they are eligible for or narrowly miss. Thin: selectors
decide."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaigns.selectors.offers import member_campaign_offers


@login_required
def member_campaigns(request: HttpRequest) -> HttpResponse:
    from scoring.services import member_for_user

    member = member_for_user(user=request.user)
    offers = member_campaign_offers(member=member)
    return render(request, "campaigns/member_campaigns.html", {"offers": offers, "member": member})

"""A member's campaigns over the API: the live ones they are eligible for or narrowly miss,
and their decision for one campaign, with the reasons."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api.campaigns import CampaignOutput
from campaigns.models import Campaign
from campaigns.selectors.eligibility import eligibility_decide
from campaigns.selectors.offers import member_campaign_offers


def _decision(decision) -> dict:
    return decision.as_dict() | {"near_miss": decision.is_near_miss}


class MyCampaignsView(APIView):
    """Live campaigns I am eligible for, and those I narrowly miss, with the reasons."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        from scoring.services import member_for_user

        offers = member_campaign_offers(member=member_for_user(user=request.user))
        return Response(
            {
                key: [
                    {"campaign": CampaignOutput(o.campaign).data, "decision": _decision(o.decision)}
                    for o in rows
                ]
                for key, rows in offers.items()
            }
        )


class MyDecisionView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, campaign_id: int):
        from scoring.services import member_for_user

        campaign = Campaign.objects.filter(pk=campaign_id, status="live").first()
        if campaign is None:
            raise NotFound("No live campaign here.")
        member = member_for_user(user=request.user)
        return Response(_decision(eligibility_decide(campaign=campaign, member=member)))

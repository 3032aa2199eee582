"""The fairness report over the API."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.selectors.fairness import (
    campaign_for_report,
    engagement_target_of,
    fairness_report_cached,
    headline,
)


class FairnessReportView(APIView):
    """The fairness report of a campaign as JSON, for its brand's staff and site staff (token
    or session, like the rest of the API). ``?share=60`` sets the engagement share the
    suggested minimum score must include (80 by default)."""

    @extend_schema(
        parameters=[OpenApiParameter("share", float, OpenApiParameter.QUERY, required=False)],
        responses={200: dict},
    )
    def get(self, request, campaign_id: int):
        campaign = campaign_for_report(user=request.user, campaign_id=campaign_id)
        if campaign is None:
            raise Http404("No such campaign among yours.")
        report = fairness_report_cached(
            campaign=campaign, engagement_target=engagement_target_of(request.GET)
        )
        return Response({"headline": headline(report), **report})

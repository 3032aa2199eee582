"""A user's brands over the API: the brands they are on the staff of, and each brand's
campaigns (list, create). Another brand answers 404, as if it did not exist."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api.campaigns import CampaignInput, CampaignOutput, topics_of
from campaigns.models import Brand
from campaigns.selectors.brands import user_brand_memberships
from campaigns.services import campaigns as services


def _brand(user, slug: str) -> Brand:
    brand = Brand.objects.filter(slug=slug, memberships__user=user).first()
    if brand is None:
        raise NotFound("No such brand among yours.")
    return brand


class BrandListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        rows = user_brand_memberships(user=request.user)
        return Response(
            [{"slug": m.brand.slug, "name": m.brand.name, "role": m.role} for m in rows]
        )


class BrandCampaignsView(APIView):
    @extend_schema(responses=CampaignOutput(many=True))
    def get(self, request, slug: str):
        brand = _brand(request.user, slug)
        return Response(CampaignOutput(brand.campaigns.all(), many=True).data)

    @extend_schema(request=CampaignInput, responses={201: CampaignOutput})
    def post(self, request, slug: str):
        brand = _brand(request.user, slug)
        data = CampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        topics = topics_of(values.pop("topics", []))
        campaign = services.campaign_create(brand=brand, user=request.user, topics=topics, **values)
        return Response(CampaignOutput(campaign).data, status=status.HTTP_201_CREATED)

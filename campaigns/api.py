"""Campaigns over the API: brand staff manage their brands' campaigns (scoped by membership:
another brand's campaign answers 404, as if it did not exist); members see their offers and
decisions; site staff audit any decision. One view per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Brand, Campaign, TopicMode
from campaigns.selectors.brands import campaign_for_staff, user_brand_memberships
from campaigns.selectors.eligibility import (
    eligibility_decide,
    eligibility_preview,
    eligible_scores,
)
from campaigns.selectors.offers import member_campaign_offers
from campaigns.services import campaigns as services
from campaigns.services.stripe import campaign_checkout_start
from scoring import selectors as scoring
from scoring.models import Member, Topic


class TopicTarget(serializers.Serializer):
    topic = serializers.SlugField()
    min_topic_score = serializers.IntegerField(min_value=1, max_value=100, default=1)


class CampaignInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    budget_cents = serializers.IntegerField(min_value=1)
    currency = serializers.CharField(min_length=3, max_length=3, default="USD")
    min_score = serializers.IntegerField(min_value=1, max_value=100, default=1)
    max_score = serializers.IntegerField(min_value=1, max_value=100, default=100)
    topic_mode = serializers.ChoiceField(choices=TopicMode.choices, default=TopicMode.ANY)
    networks = serializers.ListField(child=serializers.CharField(), required=False)
    inclusion_share_percent = serializers.IntegerField(min_value=0, max_value=100, default=0)
    topics = TopicTarget(many=True, required=False)


def _topics(items: list[dict] | None) -> list[tuple[Topic, int]] | None:
    if items is None:
        return None
    found = {t.slug: t for t in Topic.objects.filter(slug__in=[i["topic"] for i in items])}
    missing = [i["topic"] for i in items if i["topic"] not in found]
    if missing:
        raise serializers.ValidationError({"topics": [f"Unknown topics: {', '.join(missing)}."]})
    return [(found[i["topic"]], i["min_topic_score"]) for i in items]


class CampaignOutput(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    topics = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "brand",
            "name",
            "description",
            "status",
            "starts_at",
            "ends_at",
            "budget_cents",
            "currency",
            "spent_cents",
            "refunded_cents",
            "min_score",
            "max_score",
            "topic_mode",
            "networks",
            "inclusion_share_percent",
            "topics",
            "rejection_reason",
            "funded_at",
            "submitted_at",
            "reviewed_at",
            "created_at",
        ]

    def get_topics(self, obj) -> list[dict]:
        return [
            {"topic": t.topic.slug, "min_topic_score": t.min_topic_score}
            for t in obj.topics.select_related("topic")
        ]


def _brand(user, slug: str) -> Brand:
    brand = Brand.objects.filter(slug=slug, memberships__user=user).first()
    if brand is None:
        raise NotFound("No such brand among yours.")
    return brand


def _campaign(user, campaign_id: int) -> Campaign:
    campaign = campaign_for_staff(user=user, campaign_id=campaign_id)
    if campaign is None:
        raise NotFound("No such campaign among your brands'.")
    return campaign


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
        topics = _topics(values.pop("topics", []))
        campaign = services.campaign_create(brand=brand, user=request.user, topics=topics, **values)
        return Response(CampaignOutput(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(APIView):
    @extend_schema(responses=CampaignOutput)
    def get(self, request, campaign_id: int):
        return Response(CampaignOutput(_campaign(request.user, campaign_id)).data)

    @extend_schema(request=CampaignInput(partial=True), responses=CampaignOutput)
    def patch(self, request, campaign_id: int):
        campaign = _campaign(request.user, campaign_id)
        data = CampaignInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        topics = _topics(values.pop("topics", None))
        campaign = services.campaign_update(
            campaign=campaign, user=request.user, topics=topics, **values
        )
        return Response(CampaignOutput(campaign).data)


TRANSITION_CALLS = {
    "submit": services.campaign_submit,
    "pause": services.campaign_pause,
    "resume": services.campaign_resume,
    "end": services.campaign_end,
}


class CampaignTransitionView(APIView):
    @extend_schema(request=None, responses=CampaignOutput)
    def post(self, request, campaign_id: int, action: str):
        if action not in TRANSITION_CALLS:
            raise NotFound(f"No action {action!r}; one of {', '.join(TRANSITION_CALLS)}.")
        campaign = _campaign(request.user, campaign_id)
        campaign = TRANSITION_CALLS[action](campaign=campaign, user=request.user)
        return Response(CampaignOutput(campaign).data)


class CheckoutInput(serializers.Serializer):
    success_url = serializers.URLField()
    cancel_url = serializers.URLField()


class CampaignCheckoutView(APIView):
    @extend_schema(request=CheckoutInput, responses={201: dict})
    def post(self, request, campaign_id: int):
        campaign = _campaign(request.user, campaign_id)
        data = CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = campaign_checkout_start(
            campaign=campaign, user=request.user, **data.validated_data
        )
        return Response(
            {"payment": payment.pk, "checkout_url": payment.checkout_url},
            status=status.HTTP_201_CREATED,
        )


class EligibleMemberOutput(serializers.Serializer):
    member = serializers.UUIDField(source="member.public_id")
    display_name = serializers.CharField(source="member.display_name")
    score = serializers.IntegerField()


class CampaignEligibleView(ListAPIView):
    """The eligible members of one of my brands' campaigns, best score first, paged (the
    members are visible to brands: that is what makes them eligible)."""

    serializer_class = EligibleMemberOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        campaign = _campaign(self.request.user, self.kwargs["campaign_id"])
        return eligible_scores(campaign=campaign).order_by("-score", "member_id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        members = Member.objects.in_bulk([row["member_id"] for row in page])
        rows = [{"member": members[r["member_id"]], "score": r["score"]} for r in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class PreviewInput(serializers.Serializer):
    min_score = serializers.IntegerField(min_value=1, max_value=100, default=1)
    max_score = serializers.IntegerField(min_value=1, max_value=100, default=100)
    topic_mode = serializers.ChoiceField(choices=TopicMode.choices, default=TopicMode.ANY)
    networks = serializers.ListField(child=serializers.CharField(), required=False)
    topics = TopicTarget(many=True, required=False)


class TargetingPreviewView(APIView):
    """The live preview while editing targeting: how many are eligible, by score band."""

    @extend_schema(request=PreviewInput, responses={200: dict})
    def post(self, request):
        if not user_brand_memberships(user=request.user).exists():
            raise NotFound("Previews are for brand staff.")
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        topics = _topics(v.get("topics", [])) or []
        targeting = scoring.Targeting(
            min_score=v["min_score"],
            max_score=v["max_score"],
            topics=tuple((t.pk, m) for t, m in topics),
            topic_mode=v["topic_mode"],
            networks=tuple(v.get("networks", [])),
        )
        return Response(eligibility_preview(targeting=targeting))


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

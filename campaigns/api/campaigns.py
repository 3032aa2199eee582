"""Campaigns over the API: brand staff manage their brands' campaigns (scoped by membership:
another brand's campaign answers 404, as if it did not exist): edit, move through the
lifecycle, pay by card, list the eligible members. One view per operation; the serializers
here are shared by the brands', the targeting preview's and the members' views."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign, TopicMode
from campaigns.selectors.brands import campaign_for_staff
from campaigns.selectors.eligibility import eligible_scores
from campaigns.services import campaigns as services
from campaigns.services.stripe import campaign_checkout_start
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


def topics_of(items: list[dict] | None) -> list[tuple[Topic, int]] | None:
    """The input's topics (by slug) with their minimum scores; an unknown slug is a
    validation error. None when the input names no topics (they are left as they are)."""
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


def _campaign(user, campaign_id: int) -> Campaign:
    campaign = campaign_for_staff(user=user, campaign_id=campaign_id)
    if campaign is None:
        raise NotFound("No such campaign among your brands'.")
    return campaign


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
        topics = topics_of(values.pop("topics", None))
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

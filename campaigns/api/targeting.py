"""The targeting preview over the API, for brand staff editing a campaign."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api.campaigns import TopicTarget, topics_of
from campaigns.models import TopicMode
from campaigns.selectors.brands import user_brand_memberships
from campaigns.selectors.eligibility import eligibility_preview
from scoring import selectors as scoring


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
        topics = topics_of(v.get("topics", [])) or []
        targeting = scoring.Targeting(
            min_score=v["min_score"],
            max_score=v["max_score"],
            topics=tuple((t.pk, m) for t, m in topics),
            topic_mode=v["topic_mode"],
            networks=tuple(v.get("networks", [])),
        )
        return Response(eligibility_preview(targeting=targeting))

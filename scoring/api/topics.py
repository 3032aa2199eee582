"""Topics over the API: the tree, my topics with evidence, hide, restore, dispute, public
profiles and +K. One view per operation; services decide, selectors read."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services
from scoring.models import Member, PlusK, Topic, TopicDispute, Visibility
from scoring.selectors.scores import member_score
from scoring.selectors.topics import (
    member_disputes,
    member_topics,
    plus_k_given,
    plus_k_received,
    public_profile,
    topic_by_slug,
    topic_tree,
)
from scoring.services.topics_members import (
    plus_k_give,
    topic_dispute_create,
    topic_hide,
    topic_restore,
)


class TopicOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Topic
        fields = ["slug", "name", "full_name", "parent", "aliases", "hashtags", "keywords"]


class TopicListView(ListAPIView):
    """The topic tree (active topics). Public."""

    permission_classes = [AllowAny]
    serializer_class = TopicOutput
    pagination_class = None

    def get_queryset(self):
        return topic_tree().order_by("pk")


def _topic(slug: str) -> Topic:
    topic = topic_by_slug(slug)
    if topic is None:
        raise NotFound(f"No topic {slug!r}.")
    return topic


class EvidenceOutput(serializers.Serializer):
    content_id = serializers.IntegerField(source="content.pk")
    network = serializers.CharField(source="content.account.network")
    external_id = serializers.CharField(source="content.external_id")
    text = serializers.CharField(source="content.text")
    posted_at = serializers.DateTimeField(source="content.posted_at", allow_null=True)
    people = serializers.IntegerField()
    actions = serializers.IntegerField()
    matched = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    via = serializers.CharField(source="via.slug", allow_null=True, default=None)


class MemberTopicOutput(serializers.Serializer):
    topic = TopicOutput()
    score = serializers.IntegerField(source="score.score")
    true_reach = serializers.FloatField(source="score.true_reach")
    amplification = serializers.FloatField(source="score.amplification")
    network_impact = serializers.FloatField(source="score.network_impact")
    posts = serializers.IntegerField(source="score.posts")
    people = serializers.IntegerField(source="score.people")
    actions = serializers.IntegerField(source="score.actions")
    plus_k = serializers.IntegerField(source="score.plus_k")
    hidden = serializers.BooleanField()
    open_dispute = serializers.IntegerField(source="open_dispute.pk", allow_null=True)
    evidence = EvidenceOutput(many=True)


class MyTopicsView(APIView):
    """My topics over the evidence bar in the latest scores, hidden ones flagged."""

    @extend_schema(responses=MemberTopicOutput(many=True))
    def get(self, request):
        member = services.member_for_user(user=request.user)
        topics = member_topics(member=member, include_hidden=True)
        return Response(MemberTopicOutput(topics, many=True).data)


class TopicHideView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug: str):
        topic_hide(member=services.member_for_user(user=request.user), topic=_topic(slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TopicRestoreView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug: str):
        topic_restore(member=services.member_for_user(user=request.user), topic=_topic(slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DisputeInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the topic is wrong for you.")


class DisputeOutput(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = TopicDispute
        fields = ["id", "topic", "reason", "status", "created_at", "staff_response", "resolved_at"]


class TopicDisputeView(APIView):
    @extend_schema(request=DisputeInput, responses={201: DisputeOutput})
    def post(self, request, slug: str):
        data = DisputeInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = topic_dispute_create(
            member=services.member_for_user(user=request.user),
            topic=_topic(slug),
            reason=data.validated_data["reason"],
        )
        return Response(DisputeOutput(dispute).data, status=status.HTTP_201_CREATED)


class MyDisputesView(ListAPIView):
    serializer_class = DisputeOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TopicDispute.objects.none()
        member = services.member_for_user(user=self.request.user)
        return member_disputes(member=member)


def _name(member: Member) -> str:
    """Another member as shown to others: their name only when their profile is public."""
    if member.visibility == Visibility.PUBLIC and member.display_name:
        return member.display_name
    return "a member"


class PlusKOutput(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    giver = serializers.SerializerMethodField()
    receiver = serializers.SerializerMethodField()

    class Meta:
        model = PlusK
        fields = ["id", "topic", "giver", "receiver", "given_at"]

    def get_giver(self, obj) -> str:
        return _name(obj.giver)

    def get_receiver(self, obj) -> str:
        return _name(obj.receiver)


class MyPlusKView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        member = services.member_for_user(user=request.user)
        return Response(
            {
                "given": PlusKOutput(plus_k_given(member=member), many=True).data,
                "received": PlusKOutput(plus_k_received(member=member), many=True).data,
            }
        )


class ProfileTopicOutput(serializers.Serializer):
    topic = TopicOutput()
    score = serializers.IntegerField(source="score.score")
    posts = serializers.IntegerField(source="score.posts")
    people = serializers.IntegerField(source="score.people")
    plus_k = serializers.IntegerField(source="score.plus_k")


class ProfileOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    display_name = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    topics = ProfileTopicOutput(many=True)


def _profile(public_id) -> Member:
    member = public_profile(public_id=public_id)
    if member is None:
        raise NotFound("No public profile here.")
    return member


class ProfileView(APIView):
    """A public profile: the score and the topics with evidence. Public."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ProfileOutput)
    def get(self, request, public_id):
        member = _profile(public_id)
        current = member_score(member=member)
        data = {
            "public_id": member.public_id,
            "display_name": member.display_name or "A member",
            "score": current.score if current else None,
            "topics": member_topics(member=member, with_evidence=False),
        }
        return Response(ProfileOutput(data).data)


class PlusKGiveView(APIView):
    @extend_schema(request=None, responses={201: PlusKOutput})
    def post(self, request, public_id, slug: str):
        receiver = _profile(public_id)
        giver = services.member_for_user(user=request.user)
        plus_k = plus_k_give(giver=giver, receiver=receiver, topic=_topic(slug))
        plus_k = get_object_or_404(PlusK.objects.select_related("giver", "receiver"), pk=plus_k.pk)
        return Response(PlusKOutput(plus_k).data, status=status.HTTP_201_CREATED)

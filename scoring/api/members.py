"""The member's own account over the API (``/api/v1/me/...``): profile, consent, network
accounts and activity. One view per operation: validate with an input serializer, call one
service or selector, answer with an output one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services
from scoring.models import Member, NetworkAccount, Visibility
from scoring.selectors import members as member_selectors


class MemberOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    is_opted_in = serializers.BooleanField(read_only=True)

    class Meta:
        model = Member
        fields = ["email", "display_name", "is_opted_in", "opted_in_at", "visibility", "created_at"]


class MemberUpdateInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class MeView(APIView):
    @extend_schema(responses=MemberOutput)
    def get(self, request):
        member = services.member_for_user(user=request.user)
        return Response(MemberOutput(member).data)

    @extend_schema(request=MemberUpdateInput, responses=MemberOutput)
    def patch(self, request):
        data = MemberUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_update(
            member=services.member_for_user(user=request.user), **data.validated_data
        )
        return Response(MemberOutput(member).data)


class ConsentInput(serializers.Serializer):
    opt_in = serializers.BooleanField(
        help_text="true: agree to be scored (stored with its time); false: stop being scored."
    )


class ConsentView(APIView):
    @extend_schema(request=ConsentInput, responses=MemberOutput)
    def post(self, request):
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_for_user(user=request.user)
        if data.validated_data["opt_in"]:
            member = services.member_opt_in(member=member)
        else:
            member = services.member_opt_out(member=member)
        return Response(MemberOutput(member).data)


class NetworkAccountOutput(serializers.ModelSerializer):
    network_label = serializers.CharField(read_only=True)
    actions_received = serializers.IntegerField(source="actions_received_count", read_only=True)

    class Meta:
        model = NetworkAccount
        fields = [
            "id",
            "network",
            "network_label",
            "external_id",
            "handle",
            "source",
            "connected_at",
            "actions_received",
        ]


class NetworkAccountListView(ListAPIView):
    serializer_class = NetworkAccountOutput
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no user
            return NetworkAccount.objects.none()
        member = services.member_for_user(user=self.request.user)
        return member_selectors.member_network_accounts(member=member)


class NetworkAccountDisconnectView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, account_id: int):
        account = get_object_or_404(NetworkAccount, pk=account_id, member__user=request.user)
        services.network_account_disconnect(account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityOutput(serializers.Serializer):
    actions = serializers.IntegerField()
    known_people = serializers.IntegerField()
    unknown_actions = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())
    by_network = serializers.DictField(child=serializers.IntegerField())
    by_network_kind = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Actions by network (its label) and kind: where each action came from.",
    )
    last_action_at = serializers.DateTimeField(allow_null=True)


class ActivityView(APIView):
    @extend_schema(responses=ActivityOutput)
    def get(self, request):
        member = services.member_for_user(user=request.user)
        summary = member_selectors.member_activity_summary(member=member)
        return Response(ActivityOutput(summary).data)

"""Live networks over the API: connect Bluesky by signing in, start connecting Mastodon
(the member approves on their instance, in a browser signed in here), read an account's
sync, ask for "Sync now". One view per operation."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services
from scoring.models import NetworkAccount
from scoring.selectors.members import member_sync_progress
from scoring.services.mastodon_connect import mastodon_connect_start
from scoring.services.sync import bluesky_connect, network_account_sync_request


class BlueskyConnectInput(serializers.Serializer):
    handle = serializers.CharField(max_length=253)
    app_password = serializers.CharField(
        max_length=64, write_only=True, help_text="Used once to sign in; never stored."
    )


class SyncOutput(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField(help_text="The status in words.")
    detail = serializers.CharField(allow_blank=True)
    running = serializers.BooleanField()
    pages = serializers.IntegerField(required=False)
    requests = serializers.IntegerField(required=False)
    actions_stored = serializers.IntegerField(required=False)
    posts_stored = serializers.IntegerField(required=False)
    duplicates = serializers.IntegerField(required=False)
    last_synced_at = serializers.DateTimeField(allow_null=True, required=False)
    retry_at = serializers.DateTimeField(allow_null=True, required=False)
    notes = serializers.ListField(child=serializers.CharField(), required=False)


class ConnectedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    network = serializers.CharField()
    external_id = serializers.CharField()
    handle = serializers.CharField()


def _own(request, account_id: int) -> NetworkAccount:
    queryset = NetworkAccount.objects.select_related("sync")
    return get_object_or_404(queryset, pk=account_id, member__user=request.user)


class BlueskyConnectView(APIView):
    @extend_schema(request=BlueskyConnectInput, responses={201: ConnectedOutput})
    def post(self, request):
        data = BlueskyConnectInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_for_user(user=request.user)
        account = bluesky_connect(member=member, **data.validated_data)
        return Response(ConnectedOutput(account).data, status=status.HTTP_201_CREATED)


class MastodonConnectInput(serializers.Serializer):
    instance = serializers.CharField(max_length=260, help_text="For example mastodon.social.")


class MastodonConnectOutput(serializers.Serializer):
    authorize_url = serializers.URLField(
        help_text="Open it in a browser signed in to Klout Fair: the member approves read "
        "access on their instance, which sends them back here to finish connecting."
    )


class MastodonConnectView(APIView):
    @extend_schema(request=MastodonConnectInput, responses={200: MastodonConnectOutput})
    def post(self, request):
        data = MastodonConnectInput(data=request.data)
        data.is_valid(raise_exception=True)
        url = mastodon_connect_start(
            member=services.member_for_user(user=request.user),
            instance=data.validated_data["instance"],
            redirect_uri=request.build_absolute_uri(reverse("mastodon_callback")),
        )
        return Response({"authorize_url": url})


class NetworkSyncView(APIView):
    @extend_schema(responses=SyncOutput)
    def get(self, request, account_id: int):
        return Response(SyncOutput(member_sync_progress(account=_own(request, account_id))).data)

    @extend_schema(request=None, responses={202: SyncOutput})
    def post(self, request, account_id: int):
        account = _own(request, account_id)
        network_account_sync_request(account=account)
        account = _own(request, account_id)
        body = SyncOutput(member_sync_progress(account=account)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

"""Live networks over the API: connect Bluesky by signing in, start connecting Mastodon
(the member approves on their instance, in a browser signed in here), claim and prove a
blog, list and connect Facebook pages, read an account's sync, ask for "Sync now". One view
per operation."""

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
from scoring.services.blogs import blog_claim_prove, blog_claim_start
from scoring.services.mastodon_connect import mastodon_connect_start
from scoring.services.oauth_connect import facebook_page_connect, facebook_pages_managed
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


class BlogClaimInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="The blog's home page or its feed.")


class BlogClaimOutput(serializers.Serializer):
    id = serializers.IntegerField()
    feed_url = serializers.CharField()
    site_url = serializers.CharField()
    title = serializers.CharField()
    code = serializers.CharField(
        help_text="Publish it in a post, or in the home page's <meta name="
        '"klout-fair-verification" content="…">; then POST .../prove/.'
    )
    connected = serializers.BooleanField()


def _claim_out(site) -> dict:
    fields = ("id", "feed_url", "site_url", "title", "code")
    data = {name: getattr(site, name) for name in fields}
    return BlogClaimOutput({**data, "connected": site.account_id is not None}).data


class BlogClaimView(APIView):
    @extend_schema(request=BlogClaimInput, responses={201: BlogClaimOutput})
    def post(self, request):
        data = BlogClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_for_user(user=request.user)
        site = blog_claim_start(member=member, url=data.validated_data["url"])
        return Response(_claim_out(site), status=status.HTTP_201_CREATED)


class BlogProveView(APIView):
    @extend_schema(request=None, responses={201: ConnectedOutput})
    def post(self, request, site_id: int):
        member = services.member_for_user(user=request.user)
        account = blog_claim_prove(member=member, site_id=site_id)
        return Response(ConnectedOutput(account).data, status=status.HTTP_201_CREATED)


class FacebookPageOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(allow_blank=True)


class FacebookPageInput(serializers.Serializer):
    page = serializers.CharField(max_length=64, help_text="The id of a page listed by GET.")


class FacebookPagesView(APIView):
    """The pages the member manages, as their Facebook login (with the page permissions,
    granted in a browser) shows them; POST connects one."""

    @extend_schema(responses=FacebookPageOutput(many=True))
    def get(self, request):
        member = services.member_for_user(user=request.user)
        return Response(FacebookPageOutput(facebook_pages_managed(member=member), many=True).data)

    @extend_schema(request=FacebookPageInput, responses={201: ConnectedOutput})
    def post(self, request):
        data = FacebookPageInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_for_user(user=request.user)
        account = facebook_page_connect(member=member, page_id=data.validated_data["page"])
        return Response(ConnectedOutput(account).data, status=status.HTTP_201_CREATED)

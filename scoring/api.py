"""The member's own data over the API (``/api/v1/me/...``). One view per operation:
validate with an input serializer, call one service or selector, answer with an output one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services
from scoring.ingest.formats import FORMATS
from scoring.models import Member, NetworkAccount, Visibility
from scoring.selectors import members as selectors
from scoring.selectors import scores as selectors_scores
from scoring.services.imports import (
    import_batch_progress,
    member_archive_import_create,
    staff_import_create,
)


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
        return selectors.member_network_accounts(member=member)


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
    last_action_at = serializers.DateTimeField(allow_null=True)


class ActivityView(APIView):
    @extend_schema(responses=ActivityOutput)
    def get(self, request):
        member = services.member_for_user(user=request.user)
        return Response(ActivityOutput(selectors.member_activity_summary(member=member)).data)


class ImportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    phase = serializers.CharField(help_text="reading, storing or finished")
    finished = serializers.BooleanField()
    percent = serializers.IntegerField()
    read = serializers.IntegerField()
    stored = serializers.IntegerField()
    posts = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    not_member = serializers.IntegerField()
    rejected = serializers.IntegerField()
    demo_members_created = serializers.IntegerField()
    rejected_sample = serializers.ListField(child=serializers.DictField())
    error = serializers.CharField()


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    account_external_id = serializers.CharField(
        required=False, default="", help_text="Whose archive it is (your X account id)."
    )
    format = serializers.ChoiceField(
        choices=sorted(FORMATS), required=False, default="", help_text="Staff only."
    )
    network = serializers.CharField(required=False, default="", help_text="Staff only.")
    skip_invalid = serializers.BooleanField(required=False, default=False, help_text="Staff only.")
    demo_members = serializers.BooleanField(required=False, default=False, help_text="Staff only.")


class ImportListCreateView(APIView):
    """Members upload their own X archive; staff upload any format with every option."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses=ImportOutput(many=True))
    def get(self, request):
        rows = selectors.import_batches_visible_to(user=request.user)[:100]
        return Response([import_batch_progress(batch=b) for b in rows])

    @extend_schema(request=ImportInput, responses={202: ImportOutput})
    def post(self, request):
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if request.user.is_staff:
            batch = staff_import_create(
                user=request.user,
                file=values["file"],
                format_name=values["format"],
                network=values["network"],
                account_external_id=values["account_external_id"],
                skip_invalid=values["skip_invalid"],
                demo_members=values["demo_members"],
            )
        else:
            member = services.member_for_user(user=request.user)
            own = selectors.member_twitter_accounts(member=member).filter(
                external_id=values["account_external_id"]
            )
            batch = member_archive_import_create(
                member=member,
                file=values["file"],
                account=own.first(),
                account_external_id=values["account_external_id"],
            )
        batch.refresh_from_db()
        return Response(import_batch_progress(batch=batch), status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    @extend_schema(responses=ImportOutput)
    def get(self, request, import_id: int):
        batch = get_object_or_404(
            selectors.import_batches_visible_to(user=request.user), pk=import_id
        )
        return Response(import_batch_progress(batch=batch))


class ScoreOutput(serializers.Serializer):
    score = serializers.IntegerField()
    true_reach = serializers.FloatField()
    amplification = serializers.FloatField()
    network_impact = serializers.FloatField()
    actions_counted = serializers.IntegerField()
    algorithm_version = serializers.CharField(source="run.version.name")
    as_of = serializers.DateTimeField(source="run.as_of")
    run_id = serializers.IntegerField(source="run.pk")


class StatementOutput(serializers.Serializer):
    current = ScoreOutput()
    change = serializers.IntegerField(allow_null=True)
    change_parts = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="The change in points from new actions and from time alone (same version "
        "only; null otherwise).",
    )
    headline = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    excluded = serializers.ListField(child=serializers.CharField())
    contributors = serializers.ListField(child=serializers.DictField())
    excluded_actions = serializers.DictField()


class ScoreView(APIView):
    """The member's current score with its statement; 404 while there is none (not opted in,
    or not yet in a run)."""

    @extend_schema(responses=StatementOutput)
    def get(self, request):
        member = services.member_for_user(user=request.user)
        statement = selectors_scores.member_statement(member=member) if member.is_opted_in else None
        if statement is None:
            reason = (
                "You have not opted in to scoring."
                if not member.is_opted_in
                else "No score run has included you yet."
            )
            raise NotFound(reason)
        return Response(StatementOutput(statement).data)


class ScoreHistoryView(APIView):
    @extend_schema(responses=ScoreOutput(many=True))
    def get(self, request):
        member = services.member_for_user(user=request.user)
        return Response(
            ScoreOutput(selectors_scores.member_score_history(member=member), many=True).data
        )

"""Imports over the API (``/api/v1/imports/``): members upload their own archive, staff any
format; both follow the import's progress."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services
from scoring.ingest.formats import FORMATS
from scoring.selectors.members import import_batches_visible_to
from scoring.services.imports import (
    import_batch_progress,
    member_archive_import_create,
    staff_import_create,
)


class ImportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    phase = serializers.CharField(help_text="reading, storing or finished")
    finished = serializers.BooleanField()
    percent = serializers.IntegerField(
        help_text="How far the import got: 100 once done; 0 for a failed one (nothing stored)."
    )
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
        required=False,
        default="",
        help_text="For a tweets.js: the id of your connected X account it belongs to. A "
        "whole archive (.zip) names its account itself.",
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
        rows = import_batches_visible_to(user=request.user)[:100]
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
            batch = member_archive_import_create(
                member=services.member_for_user(user=request.user),
                file=values["file"],
                account_external_id=values["account_external_id"],
            )
        batch.refresh_from_db()
        return Response(import_batch_progress(batch=batch), status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    @extend_schema(responses=ImportOutput)
    def get(self, request, import_id: int):
        batch = get_object_or_404(import_batches_visible_to(user=request.user), pk=import_id)
        return Response(import_batch_progress(batch=batch))

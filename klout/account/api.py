"""The member's whole account over the API: export and deletion (every app's data)."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from klout.account.export import member_export
from klout.account.services import account_delete, password_confirms
from scoring.services import member_for_user


@method_decorator(never_cache, name="dispatch")
class ExportView(APIView):
    @extend_schema(
        responses=inline_serializer("MemberExport", {"format_version": serializers.IntegerField()})
    )
    def get(self, request):
        return Response(member_export(member=member_for_user(user=request.user)))


class DeleteInput(serializers.Serializer):
    confirm = serializers.CharField(help_text='The word "DELETE".')
    password = serializers.CharField(required=False, allow_blank=True)

    def validate_confirm(self, value: str) -> str:
        if value != "DELETE":
            raise serializers.ValidationError('Send the word "DELETE" to confirm.')
        return value


class AccountDeleteView(APIView):
    @extend_schema(request=DeleteInput, responses={204: None})
    def post(self, request):
        data = DeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not password_confirms(user=request.user, password=data.validated_data.get("password")):
            raise serializers.ValidationError({"password": ["That is not your password."]})
        account_delete(member=member_for_user(user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

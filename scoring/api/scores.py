"""The member's score over the API (``/api/v1/me/score/...``): the current score with its
statement, and the history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services
from scoring.selectors.scores import member_score_history, member_statement


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
        statement = member_statement(member=member) if member.is_opted_in else None
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
        return Response(ScoreOutput(member_score_history(member=member), many=True).data)

"""Perks and claims over the API, and the staff eligibility audit. A claim needs an
``Idempotency-Key`` header: retrying with the same key returns the same claim (200), a new
claim answers 201."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from campaigns.selectors.eligibility import eligibility_decide
from core.authentication import AS_USUAL
from perks.models import Claim, Perk
from perks.selectors import offers as perk_offers
from perks.services import claims_pg
from perks.services.claims import claim_cancel, perk_claim, usable_key
from perks.services.lottery import claim_confirm
from scoring.models import Member
from scoring.services import member_for_user


class PerkOutput(serializers.ModelSerializer):
    brand = serializers.CharField(source="campaign.brand.name")
    remaining = serializers.IntegerField()

    class Meta:
        model = Perk
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "allocation",
            "quantity",
            "remaining",
            "opens_at",
            "closes_at",
            "disclosure_text",
            "lottery_seed_hash",
            "drawn_at",
            "brand",
        ]


CLAIM_TIMES = ("created_at", "won_at", "lost_at", "fulfilled_at", "expired_at", "cancelled_at")


_TIME = serializers.DateTimeField()  # one field, reused: DRF's own rendering of a time


def _iso(value) -> str | None:
    return None if value is None else _TIME.to_representation(value)


class ClaimOutput(serializers.ModelSerializer):
    perk = serializers.IntegerField(source="perk_id")
    code = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "perk",
            "status",
            "created_at",
            "won_at",
            "lost_at",
            "fulfilled_at",
            "expired_at",
            "cancelled_at",
            "code",
            "decision",
        ]

    def to_representation(self, instance) -> dict:
        """The same answer as DRF's field by field rendering (the fields above stay the
        schema; a test compares the two), built directly: it answers every claim, where
        DRF's field machinery would cost as much as the claim's own SQL."""
        return {
            "id": instance.pk,
            "perk": instance.perk_id,
            "status": instance.status,
            **{name: _iso(getattr(instance, name)) for name in CLAIM_TIMES},
            "code": self.get_code(instance),
            "decision": instance.decision,
        }

    def get_code(self, obj) -> str | None:
        if hasattr(obj, "assigned_code"):  # given by this very request
            return obj.assigned_code
        code = getattr(obj, "code", None)
        return code.code if code is not None else None


class PerkOffersView(APIView):
    """Open perks I am eligible for, and those I narrowly miss, with the reasons."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        offers = perk_offers.member_perk_offers(member=member_for_user(user=request.user))
        return Response(
            {
                key: [
                    {
                        "perk": PerkOutput(o.perk).data,
                        "reasons": [r.text for r in o.decision.reasons if not r.passed],
                        "claim": ClaimOutput(o.claim).data if o.claim else None,
                    }
                    for o in rows
                ]
                for key, rows in offers.items()
            }
        )


class ClaimInput(serializers.Serializer):
    shipping_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    shipping_address = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class PerkClaimView(APIView):
    def token_lookup(self, request, key: str):
        """On PostgreSQL a claim's API token is found by the claim's own read
        (``perks.services.claims_pg.read``): one query for the token's user and everything
        the claim is decided on (``core.authentication``). The read travels on the request
        to the claim, which uses it only for its own perk, key and user. Anything that will
        not be a claim (another method, a missing or malformed key) is looked up as usual,
        so that it costs no read. A throttled claim still costs its read."""
        idempotency_key = usable_key(request.headers.get("Idempotency-Key"))
        if request.method != "POST" or idempotency_key is None:
            return AS_USUAL
        if not claims_pg.token_read_supported():
            return AS_USUAL
        read = claims_pg.read(perk_id=self.kwargs["perk_id"], key=idempotency_key, token=key)
        request.claim_read = read
        return read.token

    @extend_schema(
        request=ClaimInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, True)],
        responses={201: ClaimOutput, 200: ClaimOutput},
    )
    def post(self, request, perk_id: int):
        key = request.headers.get("Idempotency-Key", "")
        if not key:
            raise ValidationError({"Idempotency-Key": ["This header is required."]})
        fields = {}
        if request.data or not isinstance(request.data, dict):  # most claims send {} or nothing
            data = ClaimInput(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
        claim, new = perk_claim(
            perk=perk_id,
            user=request.user,
            idempotency_key=key,
            prefetched=getattr(request, "claim_read", None),
            **fields,
        )
        return Response(
            ClaimOutput(claim).data, status=status.HTTP_201_CREATED if new else status.HTTP_200_OK
        )


class MyClaimsView(APIView):
    @extend_schema(responses=ClaimOutput(many=True))
    def get(self, request):
        claims = perk_offers.member_claims(member=member_for_user(user=request.user))
        return Response(ClaimOutput(claims, many=True).data)


def _own_claim(request, claim_id: int) -> tuple[Claim, Member]:
    member = member_for_user(user=request.user)
    claim = Claim.objects.filter(pk=claim_id, member=member).first()
    if claim is None:
        raise NotFound("No such claim of yours.")
    return claim, member


class ClaimCancelView(APIView):
    """Give a claim back before fulfilment: the unit and the code return."""

    @extend_schema(request=None, responses=ClaimOutput)
    def post(self, request, claim_id: int):
        claim, member = _own_claim(request, claim_id)
        return Response(ClaimOutput(claim_cancel(claim=claim, member=member)).data)


class ClaimConfirmView(APIView):
    """Take a lottery win before it passes to the next in line."""

    @extend_schema(request=None, responses=ClaimOutput)
    def post(self, request, claim_id: int):
        claim, member = _own_claim(request, claim_id)
        return Response(ClaimOutput(claim_confirm(claim=claim, member=member)).data)


class AuditInput(serializers.Serializer):
    member = serializers.UUIDField(help_text="The member's public id.")
    campaign = serializers.IntegerField()


class StaffAuditView(APIView):
    """Site staff: a member's eligibility for a campaign as of now, and as of each claim."""

    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[AuditInput], responses={200: dict})
    def get(self, request):
        data = AuditInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        member = Member.objects.filter(public_id=data.validated_data["member"]).first()
        campaign = Campaign.objects.filter(pk=data.validated_data["campaign"]).first()
        if member is None or campaign is None:
            raise NotFound("No such member or campaign.")
        now = eligibility_decide(campaign=campaign, member=member)
        return Response(
            {
                "campaign": campaign.pk,
                "member": str(member.public_id),
                "now": now.as_dict() | {"near_miss": now.is_near_miss},
                "claims": [
                    {
                        "claim": c.pk,
                        "perk": c.perk.title,
                        "status": c.status,
                        "decision": c.decision,
                    }
                    for c in perk_offers.claims_of(member=member, campaign=campaign)
                ],
            }
        )


def new_idempotency_key() -> str:
    return uuid.uuid4().hex

"""Reads of the scoring app. Other apps read members and scores only through here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from rest_framework.authtoken.models import Token

from scoring.models import Action, ActionKind, Content, ImportBatch, Member, NetworkAccount
from scoring.selectors_scores import latest_run
from scoring.selectors_targeting import (
    SCORE_BANDS,
    VISIBLE_TO_BRANDS,
    MemberFacts,
    Targeting,
    member_targeting_facts,
    score_band_counts,
    targeted_scores,
    topic_engaged_members,
)
from scoring.selectors_topics import member_topics_export_section, topic_by_slug, topic_tree


def member_network_accounts(*, member: Member) -> QuerySet[NetworkAccount]:
    return (
        NetworkAccount.objects.filter(member=member)
        .annotate(actions_received_count=Count("actions_received"))
        .order_by("network", "connected_at")
    )


@dataclass
class ActivitySummary:
    """Facts straight from the action log (no score): what other people did with the
    member's content."""

    actions: int = 0
    known_people: int = 0
    unknown_actions: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_network: dict[str, int] = field(default_factory=dict)
    last_action_at: object = None


def member_activity_summary(*, member: Member) -> ActivitySummary:
    received = Action.objects.filter(subject__member=member)
    totals = received.aggregate(
        actions=Count("pk"),
        people_accounts=Count("actor_account", distinct=True),
        people_anonymous=Count("actor_anonymous", distinct=True),
        unknown=Count("pk", filter=Q(actor_account__isnull=True, actor_anonymous__isnull=True)),
        last=Max("occurred_at"),
    )
    labels = dict(ActionKind.choices)
    by_kind = {
        labels.get(row["kind"], row["kind"]): row["n"]
        for row in received.values("kind").annotate(n=Count("pk")).order_by("-n")
    }
    by_network = {
        row["network"]: row["n"]
        for row in received.values("network").annotate(n=Count("pk")).order_by("-n")
    }
    return ActivitySummary(
        actions=totals["actions"],
        known_people=totals["people_accounts"] + totals["people_anonymous"],
        unknown_actions=totals["unknown"],
        by_kind=by_kind,
        by_network=by_network,
        last_action_at=totals["last"],
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _actor_kind(action: Action) -> str:
    if action.actor_account_id:
        return "member"
    if action.actor_anonymous_id:
        return "anonymous person"
    return "unknown"


def member_export_section(*, member: Member) -> dict:
    """Everything the scoring app holds about the member, as plain JSON-able data. Other
    members appear only as "member", never by name or id."""
    accounts = list(NetworkAccount.objects.filter(member=member).order_by("pk"))
    received = (
        Action.objects.filter(subject__member=member)
        .select_related("subject", "content")
        .order_by("occurred_at", "pk")
    )
    taken = (
        Action.objects.filter(actor_account__member=member)
        .select_related("actor_account")
        .order_by("occurred_at", "pk")
    )
    return {
        "member": {
            "display_name": member.display_name,
            "opted_in_at": _iso(member.opted_in_at),
            "visibility": member.visibility,
            "created_at": _iso(member.created_at),
        },
        "consent_events": [
            {"kind": e.kind, "occurred_at": _iso(e.occurred_at)}
            for e in member.consent_events.order_by("occurred_at", "pk")
        ],
        "network_accounts": [
            {
                "network": a.network,
                "external_id": a.external_id,
                "handle": a.handle,
                "source": a.source,
                "connected_at": _iso(a.connected_at),
            }
            for a in accounts
        ],
        "posts": [
            {
                "network": c.account.network,
                "external_id": c.external_id,
                "text": c.text,
                "tags": c.tags,
                "posted_at": _iso(c.posted_at),
            }
            for c in member_contents(member=member)
        ],
        "actions_received": [
            {
                "network": a.network,
                "account": a.subject.external_id,
                "post": a.content.external_id if a.content_id else None,
                "kind": a.kind,
                "occurred_at": _iso(a.occurred_at),
                "actor": _actor_kind(a),
            }
            for a in received.iterator(chunk_size=2000)
        ],
        "actions_taken": [
            {
                "network": a.network,
                "account": a.actor_account.external_id,
                "kind": a.kind,
                "occurred_at": _iso(a.occurred_at),
            }
            for a in taken.iterator(chunk_size=2000)
        ],
        **member_topics_export_section(member=member),
    }


def member_contents(*, member: Member) -> QuerySet[Content]:
    return Content.objects.filter(account__member=member).select_related("account").order_by("pk")


def import_batches_visible_to(*, user) -> QuerySet[ImportBatch]:
    """Staff see every import; a member sees their own."""
    rows = ImportBatch.objects.select_related("created_by", "member")
    return rows if user.is_staff else rows.filter(member__user=user)


def member_twitter_accounts(*, member: Member) -> QuerySet[NetworkAccount]:
    return NetworkAccount.objects.filter(member=member, network="twitter").order_by("pk")


def user_api_token(*, user) -> Token | None:
    return Token.objects.filter(user=user).first()


# Re-exported for the other apps (their only door into scoring's reads).
__all__ = [
    "SCORE_BANDS",
    "VISIBLE_TO_BRANDS",
    "MemberFacts",
    "Targeting",
    "latest_run",
    "member_targeting_facts",
    "score_band_counts",
    "targeted_scores",
    "topic_by_slug",
    "topic_engaged_members",
    "topic_tree",
]

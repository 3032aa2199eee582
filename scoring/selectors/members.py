"""Reads of members: their network accounts, what the action log holds about their posts,
their imports and their API token."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from rest_framework.authtoken.models import Token

from scoring.models import Action, ActionKind, Content, ImportBatch, Member, NetworkAccount
from scoring.networks import network_for


def member_network_accounts(*, member: Member) -> QuerySet[NetworkAccount]:
    return (
        NetworkAccount.objects.filter(member=member)
        .select_related("sync")
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
    # {network label: {kind label: actions}}: which network each action came from
    by_network_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    last_action_at: object = None

    @property
    def networks(self) -> list[str]:
        return list(self.by_network_kind)

    @property
    def kind_rows(self) -> list[tuple[str, int, list[int]]]:
        """(kind, total, actions per network in ``networks`` order), for a table."""
        return [
            (kind, n, [self.by_network_kind[net].get(kind, 0) for net in self.networks])
            for kind, n in self.by_kind.items()
        ]


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
    by_network_kind: dict[str, dict[str, int]] = {}
    rows = received.values("network", "kind").annotate(n=Count("pk")).order_by("network", "kind")
    for row in rows:
        network = network_for(row["network"]).label
        kind = labels.get(row["kind"], row["kind"])
        by_network_kind.setdefault(network, {})[kind] = row["n"]
    return ActivitySummary(
        actions=totals["actions"],
        known_people=totals["people_accounts"] + totals["people_anonymous"],
        unknown_actions=totals["unknown"],
        by_kind=by_kind,
        by_network=by_network,
        by_network_kind=by_network_kind,
        last_action_at=totals["last"],
    )


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


def member_sync_progress(*, account: NetworkAccount) -> dict:
    """Where an account's sync stands, for its page and its progress poll."""
    state = getattr(account, "sync", None)
    if state is None:
        return {"status": "never", "label": "Not synced yet", "detail": "", "running": False}
    return {
        "status": state.status,
        "label": state.get_status_display(),
        "detail": state.detail,
        "running": state.status in ("queued", "running"),
        "pages": state.pages,
        "requests": state.requests,
        "actions_stored": state.actions_stored,
        "posts_stored": state.posts_stored,
        "duplicates": state.duplicates,
        "last_synced_at": state.last_synced_at.isoformat() if state.last_synced_at else None,
        "retry_at": state.retry_at.isoformat() if state.retry_at else None,
        "notes": state.notes,
    }

"""The scoring app's part of "download my data": everything it holds about the member, as
plain JSON-able data. Other members appear only as "member", never by name or id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Model, QuerySet

from scoring.models import Action, Member, MemberTopicScore, NetworkAccount, PlusK, TopicHide
from scoring.selectors.members import member_contents
from scoring.selectors.topics import member_disputes

ACTION_CHUNK = 2000  # actions read from the database at a time


def member_export_section(*, member: Member) -> dict:
    """The member's data, one list (or record) per kind, each in a stable order."""
    return {
        "member": _fields(member, "display_name", "opted_in_at", "visibility", "created_at"),
        "consent_events": _consent_events(member),
        "network_accounts": _network_accounts(member),
        "posts": _posts(member),
        "actions_received": _actions_received(member),
        "actions_taken": _actions_taken(member),
        "topic_scores": _topic_scores(member),
        "hidden_topics": _hidden_topics(member),
        "topic_disputes": _topic_disputes(member),
        "plus_k_given": _plus_k(member, given=True),
        "plus_k_received": _plus_k(member, given=False),
    }


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _fields(row: Model, *names: str) -> dict:
    """The named fields of ``row``, in that order, times as ISO 8601 text."""
    return {name: _plain(getattr(row, name)) for name in names}


def _consent_events(member: Member) -> list[dict]:
    events = member.consent_events.order_by("occurred_at", "pk")
    return [_fields(e, "kind", "occurred_at") for e in events]


def _network_accounts(member: Member) -> list[dict]:
    accounts = NetworkAccount.objects.filter(member=member).order_by("pk")
    return [
        _fields(a, "network", "external_id", "handle", "source", "connected_at") for a in accounts
    ]


def _posts(member: Member) -> list[dict]:
    return [
        {
            "network": c.account.network,
            **_fields(c, "external_id", "text", "tags", "posted_at"),
        }
        for c in member_contents(member=member)
    ]


def _actor_kind(action: Action) -> str:
    if action.actor_account_id:
        return "member"
    if action.actor_anonymous_id:
        return "anonymous person"
    return "unknown"


def _in_time_order(actions: QuerySet[Action]) -> Iterator[Action]:
    """The actions oldest first, streamed from the database in chunks."""
    return actions.order_by("occurred_at", "pk").iterator(chunk_size=ACTION_CHUNK)


def _actions_received(member: Member) -> list[dict]:
    """What others did with the member's posts; who did it is only the kind of actor."""
    received = Action.objects.filter(subject__member=member).select_related("subject", "content")
    return [
        {
            "network": a.network,
            "account": a.subject.external_id,
            "post": a.content.external_id if a.content_id else None,
            "kind": a.kind,
            "occurred_at": _plain(a.occurred_at),
            "actor": _actor_kind(a),
        }
        for a in _in_time_order(received)
    ]


def _actions_taken(member: Member) -> list[dict]:
    """What the member did with others' posts (whose posts is not said)."""
    taken = Action.objects.filter(actor_account__member=member).select_related("actor_account")
    return [
        {
            "network": a.network,
            "account": a.actor_account.external_id,
            "kind": a.kind,
            "occurred_at": _plain(a.occurred_at),
        }
        for a in _in_time_order(taken)
    ]


def _topic_scores(member: Member) -> list[dict]:
    scores = (
        MemberTopicScore.objects.filter(member=member)
        .select_related("topic", "run")
        .order_by("run__as_of", "topic__slug")
    )
    return [
        {
            "run_as_of": _plain(s.run.as_of),
            "topic": s.topic.slug,
            **_fields(s, "score", "posts", "people", "actions", "plus_k"),
        }
        for s in scores
    ]


def _hidden_topics(member: Member) -> list[dict]:
    hidden = TopicHide.objects.filter(member=member).select_related("topic")
    return [{"topic": h.topic.slug, "hidden_at": _plain(h.hidden_at)} for h in hidden]


def _topic_disputes(member: Member) -> list[dict]:
    return [
        {
            "topic": d.topic.slug,
            **_fields(d, "reason", "status", "created_at", "staff_response"),
        }
        for d in member_disputes(member=member)
    ]


def _plus_k(member: Member, *, given: bool) -> list[dict]:
    """The +K the member gave (``given``) or received; the other member is only "member"."""
    if given:
        rows, other = PlusK.objects.filter(giver=member), "to"
    else:
        rows, other = PlusK.objects.filter(receiver=member), "from"
    return [
        {other: "member", "topic": k.topic.slug, "given_at": _plain(k.given_at)}
        for k in rows.select_related("topic")
    ]

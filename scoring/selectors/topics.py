"""Reads of topics: the tree, a member's topics with their evidence, public profiles, +K.

Every reader applies the same two rules: a topic is shown only when the latest live run
stored it (it is over the evidence bar), and never when the member hid it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import QuerySet

from scoring.engine.model import Parameters
from scoring.models import (
    AlgorithmVersion,
    Content,
    ContentTopic,
    Member,
    MemberTopicScore,
    PlusK,
    Topic,
    TopicDispute,
    TopicHide,
)
from scoring.selectors.people import public_members
from scoring.selectors.scores import latest_run

TOPIC_RELATED = ("topic__parent__parent",)


@dataclass
class EvidencePost:
    content: Content
    people: int
    actions: int
    matched: list[tuple[str, str]]
    via: Topic | None = None  # matched through this narrower topic


@dataclass
class MemberTopic:
    topic: Topic
    score: MemberTopicScore
    hidden: bool = False
    evidence: list[EvidencePost] = field(default_factory=list)
    open_dispute: TopicDispute | None = None


def evidence_bar() -> dict[str, int]:
    """The evidence bar of the active algorithm version, for pages and the API."""
    version = AlgorithmVersion.objects.filter(is_active=True).first()
    p = version.engine_parameters() if version else Parameters()
    return {"posts": p.topic_min_posts, "people": p.topic_min_people, "days": int(p.window_days)}


def topic_tree() -> QuerySet[Topic]:
    """Active topics, parents before children when sorted by their full names."""
    return Topic.objects.filter(is_active=True).select_related("parent__parent")


def topic_by_slug(slug: str) -> Topic | None:
    return Topic.objects.filter(slug=slug, is_active=True).select_related("parent__parent").first()


def hidden_topic_ids(*, member: Member) -> set[int]:
    return set(TopicHide.objects.filter(member=member).values_list("topic_id", flat=True))


def _scores(member: Member) -> QuerySet[MemberTopicScore]:
    run = latest_run()
    if run is None or not member.is_opted_in:
        return MemberTopicScore.objects.none()
    return MemberTopicScore.objects.filter(
        run=run, member=member, topic__is_active=True
    ).select_related(*TOPIC_RELATED)


def member_topic_score(
    *, member: Member, topic: Topic, include_hidden: bool = False
) -> MemberTopicScore | None:
    """The member's score on the topic when it is shown (or hidden, if asked)."""
    if not include_hidden and TopicHide.objects.filter(member=member, topic=topic).exists():
        return None
    return _scores(member).filter(topic=topic).first()


def _evidence_posts(rows: list[MemberTopicScore]) -> dict[int, list[EvidencePost]]:
    ids = {e["content"] for r in rows for e in r.evidence}
    contents = Content.objects.select_related("account").in_bulk(ids)
    matches: dict[int, list[ContentTopic]] = {}
    for m in ContentTopic.objects.filter(content_id__in=ids).select_related(*TOPIC_RELATED):
        matches.setdefault(m.content_id, []).append(m)
    out: dict[int, list[EvidencePost]] = {}
    for row in rows:
        for e in row.evidence:
            content = contents.get(e["content"])
            if content is None:  # deleted since the run (a network was disconnected)
                continue
            post = EvidencePost(content, e["people"], e["actions"], [])
            for m in matches.get(content.pk, ()):
                lineage = [t.pk for t in m.topic.ancestors] + [m.topic_id]
                if row.topic_id in lineage:
                    post.matched = [tuple(t) for t in m.matched]
                    post.via = None if m.topic_id == row.topic_id else m.topic
                    if post.via is None:
                        break
            out.setdefault(row.pk, []).append(post)
    return out


def member_topics(
    *, member: Member, include_hidden: bool = False, with_evidence: bool = True
) -> list[MemberTopic]:
    """The member's topics in the latest scores, highest score first, with the evidence
    posts and how each matched. Hidden topics only when asked (the member's own page)."""
    rows = list(_scores(member).order_by("-score", "topic__name"))
    hidden = hidden_topic_ids(member=member)
    if not include_hidden:
        rows = [r for r in rows if r.topic_id not in hidden]
    disputes = {
        d.topic_id: d
        for d in TopicDispute.objects.filter(member=member, status=TopicDispute.Status.OPEN)
    }
    evidence = _evidence_posts(rows) if with_evidence else {}
    return [
        MemberTopic(
            topic=r.topic,
            score=r,
            hidden=r.topic_id in hidden,
            evidence=evidence.get(r.pk, []),
            open_dispute=disputes.get(r.topic_id),
        )
        for r in rows
    ]


def public_profile(*, public_id: str | uuid.UUID) -> Member | None:
    """A member whose profile anyone may see: opted in, visibility public."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return public_members().filter(public_id=key).select_related("user").first()


def plus_k_given(*, member: Member, limit: int = 50) -> QuerySet[PlusK]:
    return PlusK.objects.filter(giver=member).select_related("receiver", *TOPIC_RELATED)[:limit]


def plus_k_received(*, member: Member, limit: int = 50) -> QuerySet[PlusK]:
    return PlusK.objects.filter(receiver=member).select_related("giver", *TOPIC_RELATED)[:limit]


def member_disputes(*, member: Member) -> QuerySet[TopicDispute]:
    return TopicDispute.objects.filter(member=member).select_related(*TOPIC_RELATED)

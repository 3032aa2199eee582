"""Topics: the curated tree, which posts are about which topic (and why), each member's
topic scores with their evidence, the member's hide and dispute, and +K.

A topic is shown for a member only with evidence (see ``scoring/engine/topics.py``): the
scores table holds only topics over the evidence bar, and hidden topics are left out of
every reader.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from scoring.models.actions import Content
from scoring.models.members import Member
from scoring.models.scores import ScoreRun

MAX_TOPIC_DEPTH = 3


class Topic(models.Model):
    """One topic of the curated tree ("Marketing > Social Media Marketing")."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names people write; one is enough."
    )
    hashtags = models.JSONField(default=list, blank=True, help_text="Without '#'.")
    keywords = models.JSONField(
        default=list, blank=True, help_text="Weaker words: a post needs two different ones."
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive topics match no post and are shown to nobody."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def ancestors(self) -> list[Topic]:
        chain, node = [], self.parent
        while node is not None and len(chain) < MAX_TOPIC_DEPTH:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def full_name(self) -> str:
        return " > ".join([t.name for t in self.ancestors] + [self.name])

    def clean(self) -> None:
        for field in ("aliases", "hashtags", "keywords"):
            values = getattr(self, field)
            if not isinstance(values, list) or not all(
                isinstance(v, str) and v.strip() for v in values
            ):
                raise ValidationError({field: "A list of non-empty words or phrases."})
        node, depth = self.parent, 1
        while node is not None:
            if node.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "A topic cannot be its own ancestor."})
            depth += 1
            node = node.parent
            if depth > MAX_TOPIC_DEPTH:
                raise ValidationError(
                    {"parent": f"Topics are at most {MAX_TOPIC_DEPTH} levels deep."}
                )


class ContentTopic(models.Model):
    """A post is about a topic, and why: the matched terms, as (how, term) pairs."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="topic_matches")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="content_matches")
    matched = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content", "topic"], name="content_topic_unique"),
        ]
        indexes = [models.Index(fields=["topic"], name="content_topic_topic_idx")]

    def __str__(self) -> str:
        return f"{self.content} is about {self.topic.name}"


class MemberTopicScore(models.Model):
    """A member's score on one topic in one run, over the evidence bar, with the evidence."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="topic_scores")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="topic_scores")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="member_scores")
    score = models.PositiveSmallIntegerField()
    true_reach = models.FloatField()
    amplification = models.FloatField()
    network_impact = models.FloatField()
    raw = models.FloatField()
    posts = models.PositiveIntegerField(help_text="Posts on the topic that others acted on.")
    people = models.PositiveIntegerField(help_text="Distinct people who acted or gave +K.")
    actions = models.PositiveIntegerField()
    plus_k = models.PositiveIntegerField(default=0)
    evidence = models.JSONField(
        default=list, help_text="The most engaged posts: content id, people, actions."
    )
    # Copies for targeting, so that "topic score >= N and overall score in a range, among
    # members visible to brands" is answered from this table's index alone.
    member_score = models.PositiveSmallIntegerField(
        default=1, db_default=1, help_text="The member's overall score in the same run."
    )
    visible_to_brands = models.BooleanField(
        default=False, db_default=False, help_text="As MemberScore.visible_to_brands."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "member", "topic"], name="one_topic_score_per_run"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=100), name="topic_score_1_to_100"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "run"], name="topic_score_member_run_idx"),
            # Campaign eligibility: members of a run with a topic score at least N, answered
            # from the index alone (PostgreSQL covering index).
            models.Index(
                fields=["run", "topic", "score"],
                name="topic_score_targeting_idx",
                include=["member", "member_score"],
                condition=Q(visible_to_brands=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.topic.name}: {self.score}"


class TopicHide(models.Model):
    """The member hid this topic: it is left out of every view and of campaign eligibility."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="hidden_topics")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="hidden_by")
    hidden_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="topic_hidden_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} hid {self.topic.name}"


class TopicDispute(models.Model):
    """The member says a topic is wrong for them; site staff read the reason and answer."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld: the topic is wrong"
        REJECTED = "rejected", "Rejected: the evidence stands"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="topic_disputes")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="disputes")
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    staff_response = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "topic"],
                condition=Q(status="open"),
                name="one_open_dispute_per_topic",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_queue_idx")]

    def __str__(self) -> str:
        return f"{self.member} disputes {self.topic.name} ({self.get_status_display()})"


class PlusK(models.Model):
    """+K: one member vouches for another's influence on one of that member's topics."""

    giver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="plus_k_given")
    receiver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="plus_k_received")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="plus_k")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(giver=F("receiver")), name="plus_k_not_to_self"),
        ]
        indexes = [
            models.Index(fields=["giver", "given_at"], name="plus_k_giver_time_idx"),
            models.Index(fields=["receiver", "topic", "given_at"], name="plus_k_receiver_idx"),
        ]

    def __str__(self) -> str:
        return f"+K from {self.giver} to {self.receiver} on {self.topic.name}"

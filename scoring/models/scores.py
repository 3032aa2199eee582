"""Scores: algorithm versions with frozen calibration, score runs, and each member's score.

Readers see only the latest complete, non-shadow run: a run that dies leaves the previous
scores in force, and history is never rewritten (a score keeps the version that made it).
"""

from __future__ import annotations

import numpy as np
from django.db import models
from django.db.models import Q
from django.utils import timezone

from scoring.engine import calibration
from scoring.engine.model import Parameters
from scoring.models.members import Member

# A version keeps the behaviour it was made with: a parameter added to the engine later is
# read, for a version stored without it, as the value that does what the engine did before.
PARAMETERS_BEFORE_THEY_EXISTED = {"ring_min_size": 0, "created_together_as_one": False}


class AlgorithmVersion(models.Model):
    """A named, frozen way of scoring. Its calibration is fitted once, by its first run."""

    name = models.SlugField(max_length=40, unique=True)
    description = models.TextField()
    parameters = models.JSONField(help_text="The engine's parameters; see scoring/engine.")
    calibration = models.JSONField(
        null=True, blank=True, help_text="100 raw-value breakpoints, frozen once fitted."
    )
    calibrated_at = models.DateTimeField(null=True, blank=True)
    topic_calibration = models.JSONField(
        null=True, blank=True, help_text="The same for topic scores, frozen once fitted."
    )
    component_calibration = models.JSONField(
        null=True,
        blank=True,
        help_text="The same for each component (true_reach, amplification, network_impact), "
        "so the dashboard shows them on the score's 1-100 scale; frozen once fitted.",
    )
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name + (" (active)" if self.is_active else "")

    COMPONENTS = ("true_reach", "amplification", "network_impact")

    def component_scale(self, name: str, value: float | None) -> int | None:
        """A component's value on the 1-100 scale of this version (None before the version's
        component calibration is fitted)."""
        points = (self.component_calibration or {}).get(name)
        if points is None or value is None:
            return None
        return int(calibration.apply(np.asarray([float(value)]), np.asarray(points))[0])

    def engine_parameters(self) -> Parameters:
        """The stored parameters as the engine takes them (checked by the engine)."""
        values = {**PARAMETERS_BEFORE_THEY_EXISTED, **self.parameters}
        for name in ("kind_weights", "component_weights"):
            if name in values:
                values[name] = tuple(values[name])
        return Parameters(**values)


class ScoreRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(AlgorithmVersion, on_delete=models.PROTECT, related_name="runs")
    is_shadow = models.BooleanField(
        default=False, help_text="Computed for comparison only; members never see it."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    as_of = models.DateTimeField(help_text="The time the scores are computed at.")
    started_at = models.DateTimeField(default=timezone.now)
    executing_since = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took the run: one worker per run."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    members_scored = models.PositiveIntegerField(default=0)
    actions_used = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    baseline = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The live run before this one (same version), whose data the time-only "
        "scores of this run are computed from.",
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(
                fields=["-as_of", "-id"],
                name="run_live_complete_idx",
                condition=Q(status="complete", is_shadow=False),
            )
        ]

    def __str__(self) -> str:
        shadow = " shadow" if self.is_shadow else ""
        return f"run {self.pk}{shadow} of {self.version.name} ({self.get_status_display()})"


class MemberScore(models.Model):
    """One member's score in one run, with its components and the facts of its statement."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()
    true_reach = models.FloatField(help_text="Distinct people who acted on the member's content.")
    amplification = models.FloatField(help_text="How much they acted, weighted by kind, decayed.")
    network_impact = models.FloatField(help_text="How influential those people are.")
    raw = models.FloatField()
    actions_counted = models.PositiveIntegerField(default=0)
    actions_given = models.PositiveIntegerField(
        default=0, db_default=0, help_text="Counted actions the member took on others' posts."
    )
    score_time_only = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The score at this run's time from only the actions its baseline run had: "
        "the difference to the baseline score is time (decay, the window), the rest of the "
        "change is new actions.",
    )
    excluded = models.JSONField(
        default=dict, help_text="Per anti-gaming rule: actions affected and weight not counted."
    )
    visible_to_brands = models.BooleanField(
        default=False,
        db_default=False,  # rows written by COPY get it too
        help_text="The member's visibility allows brands (kept in step with the member by "
        "scoring.services.visibility), so targeting needs no join with members.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="one_score_per_run"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=100), name="score_1_to_100"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "run"], name="score_member_run_idx"),
            # A run's scores in a range: the export, reports, and the benchmark's anchor.
            models.Index(fields=["run", "score"], name="score_run_score_idx"),
            # Targeting: the same among members visible to brands, from the index alone.
            models.Index(
                fields=["run", "score"],
                name="score_targeting_idx",
                include=["member"],
                condition=Q(visible_to_brands=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.score} ({self.run})"

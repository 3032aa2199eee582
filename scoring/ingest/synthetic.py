"""A seeded, reproducible generator of realistic interaction data, for demos and benchmarks.

Popularity and activity are heavy-tailed (Pareto weights, as in real social data: a few
accounts receive most of the engagement and a few people do most of the acting). The same
arguments always give the same records, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from scoring.ingest.records import ActionRecord

KIND_ORDER = ("like", "share", "reply", "comment", "mention")
KIND_WEIGHTS = (0.45, 0.25, 0.12, 0.08, 0.10)
NETWORK_ORDER = ("twitter", "facebook", "linkedin", "instagram", "blog")
NETWORK_WEIGHTS = (0.55, 0.15, 0.12, 0.12, 0.06)

# A few plain subjects for post texts, so later features (topics) have material to work on.
POST_SUBJECTS = (
    ("marketing", "Our #marketing team tried a new social media strategy this week"),
    ("coffee", "Best #coffee in town: a pour-over worth the queue"),
    ("running", "Morning #running club, 10k along the river before work"),
    ("python", "Shipping a #python release with faster startup times"),
    ("photography", "Golden hour #photography from the old harbour"),
    ("climate", "Reading the new #climate report on urban heat islands"),
    ("gardening", "Tomatoes finally ripe: #gardening in a small balcony"),
    ("football", "What a second half! #football derby recap"),
)


@dataclass(frozen=True)
class SyntheticSpec:
    seed: int = 2012
    n_people: int = 20_000
    n_members: int = 1_500
    n_actions: int = 60_000
    posts_per_member: int = 6
    days: int = 60
    pareto_shape: float = 1.3


def _heavy_tailed(rng: np.random.Generator, n: int, shape: float) -> np.ndarray:
    weights = rng.pareto(shape, size=n) + 1.0
    return weights / weights.sum()


def person_external_id(index: int) -> str:
    return str(100_000 + index)


def member_networks(spec: SyntheticSpec) -> np.ndarray:
    """The network index of each member (members are people 0 .. n_members-1)."""
    rng = np.random.default_rng([spec.seed, 1])
    return rng.choice(len(NETWORK_ORDER), size=spec.n_members, p=NETWORK_WEIGHTS)


def generate_actions(spec: SyntheticSpec, *, end: datetime) -> Iterator[ActionRecord]:
    """Yield ``spec.n_actions`` records ending at ``end`` (aware). Subjects are members;
    actors are any people, never the subject itself."""
    rng = np.random.default_rng(spec.seed)
    popularity = _heavy_tailed(rng, spec.n_members, spec.pareto_shape)
    activity = _heavy_tailed(rng, spec.n_people, spec.pareto_shape)
    subjects = rng.choice(spec.n_members, size=spec.n_actions, p=popularity)
    actors = rng.choice(spec.n_people, size=spec.n_actions, p=activity)
    clash = actors == subjects
    actors[clash] = (actors[clash] + 1 + rng.integers(0, spec.n_people - 1, clash.sum())) % (
        spec.n_people
    )
    kinds = rng.choice(len(KIND_ORDER), size=spec.n_actions, p=KIND_WEIGHTS)
    posts = rng.integers(0, spec.posts_per_member, size=spec.n_actions)
    # More recent activity is more frequent: ages follow an exponential, cut at the window.
    ages = np.minimum(rng.exponential(spec.days / 3, size=spec.n_actions), spec.days - 1e-3)
    seconds = np.floor(ages * 86_400).astype(np.int64)
    networks = member_networks(spec)
    for i in range(spec.n_actions):
        subject = int(subjects[i])
        kind = KIND_ORDER[int(kinds[i])]
        post = int(posts[i])
        topic, text = POST_SUBJECTS[(subject + post) % len(POST_SUBJECTS)]
        with_content = kind != "mention"
        yield ActionRecord(
            network=NETWORK_ORDER[int(networks[subject])],
            actor_id=person_external_id(int(actors[i])),
            subject_id=person_external_id(subject),
            kind=kind,
            occurred_at=end - timedelta(seconds=int(seconds[i])),
            content_id=f"{person_external_id(subject)}-{post}" if with_content else None,
            content_text=f"{text} (post {post + 1})" if with_content else None,
            content_tags=(topic,) if with_content else (),
            line=i + 1,
        )

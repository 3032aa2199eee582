"""The scoring app's models, split by sub-domain."""

from scoring.models.actions import Action, ActionKind, Content, ImportBatch
from scoring.models.members import (
    AnonymousActor,
    ConsentEvent,
    Member,
    NetworkAccount,
    Visibility,
    network_slug_validator,
)
from scoring.models.scores import AlgorithmVersion, MemberScore, ScoreRun

__all__ = [
    "Action",
    "ActionKind",
    "AlgorithmVersion",
    "AnonymousActor",
    "ConsentEvent",
    "Content",
    "ImportBatch",
    "Member",
    "MemberScore",
    "NetworkAccount",
    "ScoreRun",
    "Visibility",
    "network_slug_validator",
]

"""The scoring app's models, split by sub-domain."""

from scoring.models.actions import Action, ActionKind, Content, ImportBatch
from scoring.models.members import (
    VISIBLE_TO_BRANDS,
    AnonymousActor,
    ConsentEvent,
    Member,
    NetworkAccount,
    Visibility,
    network_slug_validator,
)
from scoring.models.scores import AlgorithmVersion, MemberScore, ScoreRun
from scoring.models.sync import (
    BlogSite,
    MastodonApp,
    NetworkSession,
    StreamCursor,
    SyncState,
    SyncStatus,
)
from scoring.models.topics import (
    ContentTopic,
    MemberTopicScore,
    PlusK,
    Topic,
    TopicDispute,
    TopicHide,
)

__all__ = [
    "VISIBLE_TO_BRANDS",
    "Action",
    "ActionKind",
    "AlgorithmVersion",
    "AnonymousActor",
    "BlogSite",
    "ConsentEvent",
    "Content",
    "ContentTopic",
    "ImportBatch",
    "MastodonApp",
    "Member",
    "MemberScore",
    "MemberTopicScore",
    "NetworkAccount",
    "NetworkSession",
    "PlusK",
    "ScoreRun",
    "StreamCursor",
    "SyncState",
    "SyncStatus",
    "Topic",
    "TopicDispute",
    "TopicHide",
    "Visibility",
    "network_slug_validator",
]

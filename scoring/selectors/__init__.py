"""Every read of the scoring app, one module per area (members, export, scores, statements,
excluded actions, targeting, topics). Inside scoring, import from those modules.

This package is the public read API of scoring: the other apps (campaigns, perks and the
project shell) read members and scores only through the names below.
"""

from scoring.selectors.export import member_export_section
from scoring.selectors.members import user_api_token
from scoring.selectors.scores import latest_run
from scoring.selectors.targeting import (
    VISIBLE_TO_BRANDS,
    MemberFacts,
    Targeting,
    member_targeting_facts,
    score_band_counts,
    targeted_scores,
)
from scoring.selectors.topics import topic_tree

__all__ = [
    "VISIBLE_TO_BRANDS",
    "MemberFacts",
    "Targeting",
    "latest_run",
    "member_export_section",
    "member_targeting_facts",
    "score_band_counts",
    "targeted_scores",
    "topic_tree",
    "user_api_token",
]

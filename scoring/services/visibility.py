"""Keeping ``visible_to_brands`` of scores and topic scores in step with each member's visibility.

Campaign targeting filters scores by this copy of the member's choice, so that counting a
million members needs no join with the members table. Two writers keep it true:

- a member's visibility change updates all of that member's scores;
- a score run sets it for all its scores as the last step of its transaction.

The same lock orders opting out against a run: the run deletes the scores of members who
are no longer opted in only after it holds the lock exclusively.

On PostgreSQL they serialise on one advisory lock (changes take it shared, the run's last
step exclusive): a change either commits before the run reads visibilities, or waits until
the run has committed and then updates the run's rows too. SQLite serialises writes anyway.
"""

from __future__ import annotations

from django.db import connection

from scoring.models import VISIBLE_TO_BRANDS, MemberScore, MemberTopicScore, ScoreRun

_LOCK_KEY = 7_123_001  # arbitrary, fixed: "score visibility"


def _lock(shared: bool) -> None:
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [_LOCK_KEY])


def member_scores_change_lock() -> None:
    """Taken (shared) by any change to a member's scores outside a run, such as opting out:
    it then either commits before a finishing run checks consent, or waits until that run
    has committed and sees (and deletes) the run's rows too."""
    _lock(shared=True)


def member_scores_visibility_set(*, member_id: int, visibility: str) -> None:
    """Inside the transaction that changes the member's visibility."""
    _lock(shared=True)
    visible = visibility in VISIBLE_TO_BRANDS
    MemberScore.objects.filter(member_id=member_id).update(visible_to_brands=visible)
    MemberTopicScore.objects.filter(member_id=member_id).update(visible_to_brands=visible)


def run_scores_visibility_set(*, run: ScoreRun) -> None:
    """Inside the run's writing transaction, last."""
    _lock(shared=False)
    for rows in (MemberScore.objects.filter(run=run), MemberTopicScore.objects.filter(run=run)):
        rows.filter(member__visibility__in=VISIBLE_TO_BRANDS).update(visible_to_brands=True)
        rows.exclude(member__visibility__in=VISIBLE_TO_BRANDS).update(visible_to_brands=False)

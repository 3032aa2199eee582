"""Topic quality: precision and recall of the topics members are shown, against labels.

    python bench/topics.py            (SQLite is fine: this measures quality, not speed)

The labelled set (scoring/data/topic_evaluation.json) goes through the real path: loaded
tree, import, matching, score run, the selector members' pages use. Target: precision of
shown topics at least 0.9. Recall is printed alongside; the mistakes are listed.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from _setup import django_setup

PRECISION_TARGET = 0.9


def main() -> None:
    vendor = django_setup("bench_topics")
    from django.conf import settings

    from scoring.evaluation import topic_evaluation_run
    from scoring.services.topics import topics_load_file

    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1_000_000  # keep the demo version unfrozen
    topics_load_file()
    started = time.perf_counter()
    evaluation = topic_evaluation_run(as_of=datetime(2026, 6, 1, tzinfo=UTC))
    seconds = time.perf_counter() - started
    shown = sum(len(s) for s in evaluation.shown.values())
    expected = sum(len(s) for s in evaluation.expected.values())
    print(f"database: {vendor}; {len(evaluation.expected)} members; evaluation in {seconds:.1f}s")
    print(
        f"shown topics: {shown}, labelled (with ancestors): {expected}, "
        f"correct: {evaluation.true_positives}"
    )
    mistakes = evaluation.mistakes()
    if mistakes:
        print("mistakes:", json.dumps(mistakes, indent=2))
    verdict = "PASS" if evaluation.precision >= PRECISION_TARGET else "MISS"
    print(
        f"RESULT topics-precision: {evaluation.precision:.3f} "
        f"(target >= {PRECISION_TARGET}) {verdict}"
    )
    print(f"RESULT topics-recall: {evaluation.recall:.3f} (reported, no target)")


if __name__ == "__main__":
    main()

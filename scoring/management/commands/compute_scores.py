"""Run the scores now: ``python manage.py compute_scores [--shadow] [--algorithm NAME]``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from scoring.models import AlgorithmVersion
from scoring.selectors.scores import shadow_report
from scoring.services.runs.execute import score_run


class Command(BaseCommand):
    help = "Compute every opted-in member's score (a score run), or shadow-run a version."

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", help="Algorithm version name (default: the active one).")
        parser.add_argument("--shadow", action="store_true", help="Compare only; nobody sees it.")

    def handle(self, *args, algorithm=None, shadow=False, **options):
        version = algorithm
        chosen = None
        if version:
            chosen = AlgorithmVersion.objects.filter(name=version).first()
            if chosen is None:
                raise CommandError(f"No algorithm version {version!r}.")
        started = time.monotonic()
        run = score_run(version=chosen, shadow=shadow)
        if run.status != run.Status.COMPLETE:
            raise CommandError(f"Run {run.pk} failed; the previous scores stay. {run.error}")
        self.stdout.write(
            f"Run {run.pk} ({run.version.name}{', shadow' if run.is_shadow else ''}): "
            f"{run.members_scored:,} members, {run.actions_used:,} actions in "
            f"{time.monotonic() - started:.1f}s."
        )
        if run.is_shadow:
            report = shadow_report(run=run)
            self.stdout.write(
                f"Against the live run: {report['compared']:,} members compared, "
                f"{report.get('up_more_than_5', 0):,} up and {report.get('down_more_than_5', 0):,}"
                " down by more than 5 points."
            )

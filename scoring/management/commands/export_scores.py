"""Write a run's scores as CSV: ``python manage.py export_scores [--run ID] [--output FILE]``."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from scoring.exports import write_scores_csv
from scoring.models import ScoreRun
from scoring.selectors.scores import latest_run


class Command(BaseCommand):
    help = "Export the latest (or a given) run's scores as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, help="Run id (default: the latest live run).")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, run=None, output=None, **options):
        chosen = ScoreRun.objects.filter(pk=run).first() if run else latest_run()
        if chosen is None or chosen.status != ScoreRun.Status.COMPLETE:
            raise CommandError(
                "No complete run to export." if run is None else f"Run {run} is not complete."
            )
        if output:
            with open(output, "w", newline="", encoding="utf-8") as stream:
                rows = write_scores_csv(chosen, stream)
            self.stderr.write(f"Wrote {rows:,} scores of run {chosen.pk} to {output}.")
        else:
            write_scores_csv(chosen, sys.stdout)

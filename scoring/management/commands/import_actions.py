"""Import an action file into the action log.

    python manage.py import_actions FILE [--format csv|jsonl|snap|twitter-archive]
        [--network SLUG] [--account ID] [--skip-invalid] [--demo-members]

Gzip is recognised by its content. Prints a progress bar on stderr and a summary at the end;
exits non-zero, having stored nothing, when the import fails.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.ingest.formats import FORMATS, detect_format
from scoring.ingest.twitter_zip import is_zip
from scoring.models import ImportBatch
from scoring.networks import is_valid_slug
from scoring.services.imports import import_batch_process


class ProgressBar:
    def __init__(self, total: int, stream=sys.stderr, width: int = 30) -> None:
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.started = time.monotonic()
        self.interactive = stream.isatty()
        self._last_line = 0.0

    def update(self, read: int, done: int) -> None:
        now = time.monotonic()
        if not self.interactive and now - self._last_line < 5:
            return  # a log file gets a line every few seconds, not a redraw
        self._last_line = now
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * self.width)
        rate = read / max(now - self.started, 1e-9)
        text = f"[{bar:<{self.width}}] {share:6.1%}  {read:,} records  {rate:,.0f}/s"
        self.stream.write(
            ("\r" if self.interactive else "") + text + ("" if self.interactive else "\n")
        )
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Import actions from a file (interchange CSV/JSONL, SNAP log, X archive or tweets.js)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=sorted(FORMATS), help="Default: from the name.")
        parser.add_argument("--network", default="", help="For formats without a network column.")
        parser.add_argument(
            "--account", default="", help="Whose tweets.js it is (an archive .zip names it)."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Store the valid records and list the rejected ones, instead of stopping.",
        )
        parser.add_argument(
            "--demo-members",
            action="store_true",
            help="Create flagged demo members for every subject (demos and benchmarks only).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        format_name = options["format"] or detect_format(path.name)
        if format_name is None:
            raise CommandError(f"{path}: cannot tell the format; give --format.")
        if options["network"] and not is_valid_slug(options["network"]):
            raise CommandError(f"--network {options['network']!r} is not a network slug.")
        if FORMATS[format_name].needs_account and not options["account"]:
            with path.open("rb") as head:
                if not is_zip(head, path.name):  # a whole archive names its account in account.js
                    raise CommandError(f"{path}: a tweets.js import needs --account.")
        batch = ImportBatch.objects.create(
            original_name=str(path)[-255:],
            format=format_name,
            network=options["network"],
            account_external_id=options["account"],
            skip_invalid=options["skip_invalid"],
            demo_members=options["demo_members"],
            bytes_total=path.stat().st_size,
        )
        bar = ProgressBar(batch.bytes_total)
        started = time.monotonic()
        with path.open("rb") as stream:
            batch = import_batch_process(
                batch=batch, stream=stream, on_progress=lambda s, done: bar.update(s.read, done)
            )
        bar.close()
        self._report(batch, time.monotonic() - started)

    def _report(self, batch: ImportBatch, seconds: float) -> None:
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(f"Import failed, nothing stored. {batch.error}")
        out = self.stdout
        out.write(f"Import {batch.pk} of {batch.original_name} ({batch.format}) in {seconds:.1f}s:")
        out.write(f"  read                          {batch.read:>12,}")
        out.write(f"  stored                        {batch.stored:>12,}")
        out.write(f"  posts                         {batch.posts:>12,}")
        out.write(f"  duplicates                    {batch.duplicates:>12,}")
        out.write(f"  not stored: not a member      {batch.not_member:>12,}")
        out.write(f"  rejected                      {batch.rejected:>12,}")
        if batch.demo_members_created:
            out.write(f"  demo members created          {batch.demo_members_created:>12,}")
        for row in batch.rejected_sample:
            out.write(f"  rejected: {row['message']}")
        if batch.rejected > len(batch.rejected_sample):
            out.write(f"  ... and {batch.rejected - len(batch.rejected_sample):,} more rejected")

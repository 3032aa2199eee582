"""Load the curated topic tree: ``python manage.py load_topics [FILE] [--prune]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from scoring.errors import TopicFileInvalid
from scoring.services.topics import DEFAULT_TOPIC_FILE, content_topics_refresh, topics_load_file


class Command(BaseCommand):
    help = (
        "Create or update topics from a topic file (by slug), then match the posts against "
        "the new tree. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", default=str(DEFAULT_TOPIC_FILE), help="Topic file (JSON)."
        )
        parser.add_argument(
            "--prune", action="store_true", help="Deactivate topics that are not in the file."
        )

    def handle(self, *args, file, prune=False, **options):
        try:
            summary = topics_load_file(path=file, prune=prune)
        except TopicFileInvalid as error:
            where = f"{file}: " if error.field else ""  # read errors name the file already
            raise CommandError(f"{where}{error.message}") from None
        self.stdout.write(
            f"Topics: {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.deactivated} deactivated."
        )
        matched = content_topics_refresh()
        self.stdout.write(f"Posts matched against the tree: {matched:,}.")

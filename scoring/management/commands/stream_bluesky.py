"""Read Bluesky's Jetstream into the action log until stopped (SIGTERM or Ctrl-C):

    python manage.py stream_bluesky

One process per deployment. It resumes a few seconds before where it last stored, so a
restart (or a kill) loses nothing; what it reads twice is stored once.
"""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from scoring.services.stream import JetstreamConsumer


class Command(BaseCommand):
    help = "Consume Bluesky's Jetstream (likes, reposts, posts of members) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.BLUESKY_JETSTREAM_URL)

    def handle(self, *args, url: str, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        consumer = JetstreamConsumer(url=url, stop=lambda: bool(stopping))
        self.stdout.write(f"Reading {url} (stop with SIGTERM or Ctrl-C) ...")
        try:
            consumer.run()
        except KeyboardInterrupt:
            stopping.append(True)
        self.stdout.write(f"Stopped: {consumer.stored:,} actions stored by this run.")

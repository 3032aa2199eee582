"""Follow Mastodon members' notifications live until stopped (SIGTERM or Ctrl-C):

    python manage.py stream_mastodon

One process per deployment: a follower per connected account, on the instance's streaming API
where it allows it, else its notifications API every ``--poll-seconds``. A restart first reads
what arrived meanwhile, from each account's mark: nothing is lost, nothing stored twice.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from scoring.services.mastodon_stream import POLL_SECONDS, MastodonStreams


class Command(BaseCommand):
    help = "Follow Mastodon members' notifications (streaming, or polling) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--poll-seconds", type=float, default=POLL_SECONDS)

    def handle(self, *args, poll_seconds: float, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        streams = MastodonStreams(stop=lambda: bool(stopping), poll_seconds=poll_seconds)
        self.stdout.write("Following Mastodon notifications (stop with SIGTERM or Ctrl-C) ...")
        try:
            streams.run()
        except KeyboardInterrupt:
            stopping.append(True)
        self.stdout.write(f"Stopped; {len(streams.threads)} accounts were followed.")

"""Sync one live network account now, in this process:

    python manage.py sync_network --network bluesky --account HANDLE [--demo-member]

A public account is read without a login. The account must be a member's; with
``--demo-member`` (never in production) one nobody holds is attached to a clearly flagged
demo member first.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scoring.connectors.base import ConnectorError
from scoring.models import NetworkAccount, SyncState
from scoring.services.connectors import public_reader
from scoring.services.sync import demo_account_attach, network_account_sync


class Command(BaseCommand):
    help = "Sync one live network account (Bluesky) now, printing what it fetched and stored."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="bluesky")
        parser.add_argument("--account", required=True, help="The handle or id on the network.")
        parser.add_argument(
            "--demo-member",
            action="store_true",
            help="Attach an account no member holds to a flagged demo member (not in production).",
        )

    def handle(self, *args, network: str, account: str, demo_member: bool, **options):
        reader = public_reader(network)
        if reader is None:
            raise CommandError(
                f"--network {network}: only bluesky is read without a member's login; a "
                "Mastodon account is synced once its member connects it."
            )
        try:
            profile = reader.profile(account.strip().removeprefix("@"))
        except ConnectorError as error:
            raise CommandError(f"--account {account}: {error.message}") from None
        held = self._account(network, profile, demo_member)
        self.stdout.write(f"Syncing {profile.handle} ({profile.account_id}) ...")
        try:
            state = network_account_sync(account_id=held.pk)
        except ConnectorError as error:
            raise CommandError(f"{profile.handle}: {error.message} Run it again later.") from None
        state = state or SyncState.objects.get(account=held)
        self.stdout.write(
            f"{state.get_status_display()}: {state.pages:,} pages ({state.requests:,} requests), "
            f"{state.actions_stored:,} actions stored ({state.duplicates:,} already there), "
            f"{state.posts_stored:,} posts stored or refreshed."
        )
        for note in state.notes:
            self.stdout.write(f"  note: {note}")
        if state.status != "ok":
            raise CommandError(f"{profile.handle}: {state.detail}")

    def _account(self, network: str, profile, demo_member: bool) -> NetworkAccount:
        held = NetworkAccount.objects.filter(network=network, external_id=profile.account_id)
        if held.exists():
            return held.get()
        if not demo_member:
            raise CommandError(
                f"No member holds {profile.handle}: only members are scored. Pass "
                "--demo-member to attach it to a flagged demo member."
            )
        if settings.IS_PRODUCTION:
            raise CommandError("--demo-member makes members of people who never joined: not here.")
        return demo_account_attach(
            network=network, external_id=profile.account_id, handle=profile.handle
        )

"""The scoring part of the demo: demo members and their actions, from the SNAP Higgs log when
it is present, otherwise from the seeded synthetic generator."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from scoring.evaluation import EVALUATION_FILE, NETWORK, evaluation_records
from scoring.ingest.records import ActionRecord
from scoring.ingest.snap import parse_snap_activity
from scoring.ingest.synthetic import SyntheticSpec, generate_actions
from scoring.models import Member, NetworkAccount, Topic, Visibility
from scoring.services import ImportSummary, actions_import
from scoring.services.topics import TopicLoadSummary, topics_load_file

HIGGS_FILE = "higgs-activity_time.txt.gz"
HIGGS_END = datetime(2012, 7, 8, tzinfo=UTC)


def find_higgs(data_dir: str | Path | None) -> Path | None:
    """The Higgs activity log in ``data_dir`` (a folder or the file itself), if present."""
    if not data_dir:
        return None
    path = Path(data_dir)
    candidate = path / HIGGS_FILE if path.is_dir() else path
    return candidate if candidate.is_file() else None


def demo_actions_import(
    *, higgs: Path | None, spec: SyntheticSpec | None = None, end: datetime | None = None
) -> tuple[str, ImportSummary]:
    """Import the demo data set with demo members for every subject."""
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if higgs is not None:
        # The log covers 1-7 July 2012. For the demo its times are moved, all by the same
        # amount, so that it ends today: the scores' 90-day window then sees it.
        shift = today - HIGGS_END
        with gzip.open(higgs, "rt", encoding="ascii") as lines:
            parsed = parse_snap_activity(lines, source=str(higgs))
            records = (
                replace(r, occurred_at=r.occurred_at + shift) if isinstance(r, ActionRecord) else r
                for r in parsed
            )
            return f"SNAP Higgs activity log ({higgs}), moved to end today", actions_import(
                records=records, demo_members=True
            )
    spec = spec or SyntheticSpec()
    # The data ends at the start of today (UTC): the same seed gives the same data all day,
    # and the demo's actions stay recent.
    end = end or today
    records = generate_actions(spec, end=end)
    label = f"synthetic graph (seed {spec.seed}, {spec.n_actions:,} actions)"
    return label, actions_import(records=records, demo_members=True)


@transaction.atomic
def demo_member_take_account(*, member: Member, rank: int = 10) -> NetworkAccount | None:
    """Give the login demo member the demo account at ``rank`` by actions received, so the
    member's pages show real data. Does nothing when the member already has an account."""
    if member.network_accounts.exists():
        return member.network_accounts.first()
    account = (
        NetworkAccount.objects.filter(source=NetworkAccount.Source.DEMO, member__is_demo=True)
        .annotate(received=Count("actions_received"))
        .order_by("-received", "pk")[rank : rank + 1]
        .first()
    )
    if account is None:
        return None
    previous = account.member
    account.member = member
    account.handle = "demo_member"
    account.save(update_fields=["member", "handle"])
    previous.delete()
    return account


def demo_topics_load() -> TopicLoadSummary | None:
    """Load the shipped topic tree when there is none (staff edits are never overwritten)."""
    if Topic.objects.exists():
        return None
    return topics_load_file()


def demo_personas_import(*, as_of: datetime | None = None) -> int:
    """Import the topic evaluation's made-up members as public demo members, so the demo has
    topics with evidence and profiles to give +K on. Returns how many personas exist."""
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    data = json.loads(EVALUATION_FILE.read_text(encoding="utf-8"))
    actions_import(records=evaluation_records(data, as_of or today), demo_members=True)
    ids = [m["id"] for m in data["members"]]
    personas = Member.objects.filter(
        is_demo=True, network_accounts__network=NETWORK, network_accounts__external_id__in=ids
    )
    for member in personas.prefetch_related("network_accounts"):
        member.display_name = member.network_accounts.all()[0].external_id.title()
        member.visibility = Visibility.PUBLIC
        member.save(update_fields=["display_name", "visibility"])
    return personas.count()


@transaction.atomic
def demo_member_take_persona(*, member: Member, persona: str) -> NetworkAccount | None:
    """Give the login demo member a persona's account too, so their dashboard shows topics.
    Does nothing when the member has an account of that network with that id already."""
    account = NetworkAccount.objects.filter(
        network=NETWORK, external_id=persona, member__is_demo=True
    ).first()
    if account is None:
        return None
    previous = account.member
    account.member = member
    account.save(update_fields=["member"])
    if not previous.network_accounts.exists():
        previous.delete()
    return account


def demo_data_present() -> bool:
    return Member.objects.filter(is_demo=True).exists()

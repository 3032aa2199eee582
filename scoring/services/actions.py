"""Storing validated action records in the action log, in bulk and idempotently.

Consent: an action is stored only when its subject is a network account of an opted-in
member; everything else is counted as "not stored: not a member" and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Max, Value, When
from django.utils import timezone

from scoring.ingest.errors import IngestError
from scoring.ingest.records import (
    ActionRecord,
    PostRecord,
    actor_key,
    cohort_key,
    dedupe_key,
)
from scoring.models import Action, AnonymousActor, Content, ImportBatch, Member, NetworkAccount
from scoring.services.actions_pg import PgStager

Key = tuple[str, str]  # (network, external id)
MOVE_BATCH = 500  # demo actors moved per statement (SQLite allows 32,766 parameters)


REJECTED_SHOWN = 100


@dataclass
class ImportSummary:
    read: int = 0
    stored: int = 0
    posts: int = 0
    duplicates: int = 0
    not_member: int = 0
    rejected: int = 0
    demo_members_created: int = 0
    rejected_sample: list[dict] = field(default_factory=list)

    def reject(self, error: IngestError) -> None:
        self.rejected += 1
        if len(self.rejected_sample) < REJECTED_SHOWN:
            self.rejected_sample.append({"line": error.line, "message": str(error)})


Item = ActionRecord | PostRecord | IngestError
ProgressFn = Callable[[ImportSummary], None]


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _Resolver:
    """Caches of ids looked up once per import: subjects, actors and posts.

    What is stored does not depend on where the batches break: an actor stored as anonymous
    who becomes a demo member in a later batch is given those actions then, and a post made
    without text takes the first text a later batch has for it. The batches are stored here
    only on SQLite (PostgreSQL stores the whole import in one pass), where the import is the
    only writer while it runs: its rows are those numbered after the ones there before it.
    """

    def __init__(self, *, demo_members: bool, stores_actions: bool = False) -> None:
        self.demo_members = demo_members
        self.subjects: dict[Key, int | None] = {}  # None: not an opted-in member's account
        self.actor_accounts: dict[Key, int | None] = {}
        self.anonymous: dict[Key, int] = {}
        self.contents: dict[tuple[int, str], int] = {}
        self.blank_contents: set[int] = set()  # posts this import made without text
        self.demo_members_created = 0
        if stores_actions:  # this import's rows are numbered from here
            self.first_action, self.first_anonymous, self.first_content = (
                (model.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
                for model in (Action, AnonymousActor, Content)
            )

    def _accounts(self, keys: set[Key], *, opted_in_only: bool) -> dict[Key, int]:
        found: dict[Key, int] = {}
        by_network: dict[str, list[str]] = {}
        for network, external_id in keys:
            by_network.setdefault(network, []).append(external_id)
        for network, ids in by_network.items():
            rows = NetworkAccount.objects.filter(network=network, external_id__in=ids)
            if opted_in_only:
                rows = rows.filter(member__opted_in_at__isnull=False)
            for pk, external_id in rows.values_list("pk", "external_id"):
                found[(network, external_id)] = pk
        return found

    def resolve_subjects(self, keys: set[Key], *, for_actions: bool = True) -> None:
        """Look up the accounts of opted-in members. Demo members are made only for the
        subjects of actions (on both paths), so a subject not found for a post is not
        remembered as "nobody": an action later in the file may still make it."""
        missing = keys - self.subjects.keys()
        if not missing:
            return
        found = self._accounts(missing, opted_in_only=True)
        if for_actions and self.demo_members:
            found.update(self._create_demo_members(missing - found.keys()))
        for key in missing:
            if for_actions or key in found:
                self.subjects[key] = found.get(key)

    def _create_demo_members(self, keys: set[Key]) -> dict[Key, int]:
        taken = self._accounts(keys, opted_in_only=False)  # a real member who has not opted in
        wanted = sorted(keys - taken.keys())
        if not wanted:
            return {}
        now = timezone.now()
        members = Member.objects.bulk_create(
            [
                Member(is_demo=True, opted_in_at=now, display_name=f"Demo {net} {ext}")
                for net, ext in wanted
            ]
        )
        NetworkAccount.objects.bulk_create(
            [
                NetworkAccount(
                    member=member,
                    network=net,
                    external_id=ext,
                    handle=f"demo_{ext}",
                    source=NetworkAccount.Source.DEMO,
                )
                for member, (net, ext) in zip(members, wanted, strict=True)
            ]
        )
        self.demo_members_created += len(wanted)
        made = self._accounts(set(wanted), opted_in_only=False)
        became: dict[int, int] = {}  # anonymous actor -> the demo account they now are
        for key, account in made.items():
            if key in self.actor_accounts:  # an actor in an earlier batch
                self.actor_accounts[key] = account
                if key in self.anonymous:
                    became[self.anonymous.pop(key)] = account
        self._actions_taken_move(became)
        return made

    def _actions_taken_move(self, became: dict[int, int]) -> None:
        """Give demo members the actions this import stored for them as anonymous actors in
        earlier batches, and delete the anonymous actors this import made that are now
        nobody. (Earlier imports' actions stay anonymous: a demo account is not a proven
        owner.)"""
        pairs = list(became.items())
        for start in range(0, len(pairs), MOVE_BATCH):
            part = dict(pairs[start : start + MOVE_BATCH])
            Action.objects.filter(actor_anonymous__in=part, pk__gte=self.first_action).update(
                actor_account_id=Case(
                    *(When(actor_anonymous_id=a, then=Value(b)) for a, b in part.items())
                ),
                actor_anonymous=None,
            )
            AnonymousActor.objects.filter(
                pk__in=part, pk__gte=self.first_anonymous, actions__isnull=True
            ).delete()

    def resolve_actors(self, keys: set[Key]) -> None:
        missing = keys - self.actor_accounts.keys()
        if not missing:
            return
        found = self._accounts(missing, opted_in_only=False)
        for key in missing:
            self.actor_accounts[key] = found.get(key)
        anonymous = {k for k in missing if found.get(k) is None} - self.anonymous.keys()
        if not anonymous:
            return
        hashes = {
            actor_key(settings.ACTOR_HASH_KEY, net, ext): (net, ext) for net, ext in anonymous
        }
        AnonymousActor.objects.bulk_create(
            [AnonymousActor(network=key[0], key_hash=h) for h, key in hashes.items()],
            ignore_conflicts=True,
        )
        for pk, key_hash in AnonymousActor.objects.filter(key_hash__in=hashes).values_list(
            "pk", "key_hash"
        ):
            self.anonymous[hashes[key_hash.hex]] = pk

    def resolve_contents(self, batch: list[ActionRecord]) -> None:
        new: dict[tuple[int, str], ActionRecord] = {}
        texts: dict[int, Content] = {}  # posts made by an earlier batch without text
        for record in batch:
            account = self.subjects.get((record.network, record.subject_id))
            if not (account and record.content_id):
                continue
            key = (account, record.content_id)
            pk = self.contents.get(key)
            if pk is None:
                known = new.get(key)
                if known is None or (record.content_text and not known.content_text):
                    new[key] = record  # prefer a record with text
            elif pk in self.blank_contents and record.content_text:
                self.blank_contents.discard(pk)
                texts[pk] = Content(pk=pk, text=record.content_text, tags=list(record.content_tags))
        if texts:
            Content.objects.bulk_update(texts.values(), ["text", "tags"])
        if not new:
            return
        Content.objects.bulk_create(
            [
                Content(
                    account_id=account,
                    external_id=content_id,
                    text=record.content_text or "",
                    tags=list(record.content_tags),
                )
                for (account, content_id), record in new.items()
            ],
            ignore_conflicts=True,
        )
        for account in {a for a, _ in new}:
            ids = [c for a, c in new if a == account]
            rows = Content.objects.filter(account_id=account, external_id__in=ids)
            for pk, external_id in rows.values_list("pk", "external_id"):
                self.contents[(account, external_id)] = pk
                if pk >= self.first_content and not new[(account, external_id)].content_text:
                    self.blank_contents.add(pk)  # made here: a later text is its text


def _store_posts(posts: list[PostRecord], resolver: _Resolver, summary: ImportSummary) -> None:
    resolver.resolve_subjects({(p.network, p.account_id) for p in posts}, for_actions=False)
    rows = {}
    for post in posts:
        account = resolver.subjects.get((post.network, post.account_id))
        if account is None:
            summary.not_member += 1
            continue
        rows[(account, post.content_id)] = Content(
            account_id=account,
            external_id=post.content_id,
            text=post.text,
            tags=list(post.tags),
            posted_at=post.posted_at,
        )
    if rows:
        Content.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["account", "external_id"],
            update_fields=["text", "tags", "posted_at"],
        )
        summary.posts += len(rows)


def _store_batch(
    batch: list[ActionRecord], resolver: _Resolver, summary: ImportSummary, import_batch_id
) -> None:
    resolver.resolve_subjects({(r.network, r.subject_id) for r in batch})
    kept = [r for r in batch if resolver.subjects[(r.network, r.subject_id)] is not None]
    summary.not_member += len(batch) - len(kept)
    resolver.resolve_actors({(r.network, r.actor_id) for r in kept if r.actor_id})
    resolver.resolve_contents(kept)
    by_key: dict[str, ActionRecord] = {}
    for record in kept:
        by_key.setdefault(dedupe_key(settings.ACTOR_HASH_KEY, record), record)
    known = {
        key.hex
        for key in Action.objects.filter(dedupe_key__in=by_key).values_list("dedupe_key", flat=True)
    }
    summary.duplicates += len(kept) - len(by_key) + len(known)
    actions = []
    for key, record in by_key.items():
        if key in known:
            continue
        subject = resolver.subjects[(record.network, record.subject_id)]
        actor = (record.network, record.actor_id) if record.actor_id else None
        actions.append(
            Action(
                network=record.network,
                subject_id=subject,
                content_id=resolver.contents.get((subject, record.content_id or "")),
                actor_account_id=resolver.actor_accounts.get(actor) if actor else None,
                actor_anonymous_id=resolver.anonymous.get(actor) if actor else None,
                kind=record.kind,
                occurred_at=record.occurred_at,
                import_batch_id=import_batch_id,
                dedupe_key=key,
                actor_cohort=cohort_key(settings.ACTOR_HASH_KEY, record),
            )
        )
    # SQLite has one writer at a time, so every action not known above is inserted here;
    # on PostgreSQL the COPY path counts the rows its insert really added.
    Action.objects.bulk_create(actions, ignore_conflicts=True)
    summary.stored += len(actions)


def _split(
    batch: list[Item], summary: ImportSummary, *, skip_invalid: bool
) -> tuple[list[ActionRecord], list[PostRecord]]:
    actions, posts = [], []
    for item in batch:
        if isinstance(item, IngestError):
            if not skip_invalid:
                raise item
            summary.reject(item)
        elif isinstance(item, PostRecord):
            posts.append(item)
        else:
            actions.append(item)
    return actions, posts


def actions_import(
    *,
    records: Iterable[Item],
    demo_members: bool = False,
    skip_invalid: bool = False,
    import_batch: ImportBatch | None = None,
    on_progress: ProgressFn | None = None,
    batch_size: int = 5000,
) -> ImportSummary:
    """Store parsed items in one transaction: either all of the import is visible or none.

    Items are action and post records, and IngestErrors for records that could not be read:
    the first error raises (and nothing is stored) unless ``skip_invalid``, which stores the
    valid records and counts the rejected ones (the first 100 kept with their lines).
    Re-importing the same data stores nothing new (counted as duplicates). With
    ``demo_members`` (staff and CLI only), every subject that is nobody's account becomes a
    clearly flagged, opted-in demo member. The import batch's counts are written in the same
    transaction as its data.
    """
    summary = ImportSummary()
    batch_id = import_batch.pk if import_batch else None
    with transaction.atomic():
        stager = PgStager() if connection.vendor == "postgresql" else None
        resolver = _Resolver(demo_members=demo_members, stores_actions=stager is None)
        posts: list[PostRecord] = []
        for batch in _batches(records, batch_size):
            summary.read += len(batch)
            actions, batch_posts = _split(batch, summary, skip_invalid=skip_invalid)
            if stager is not None:
                stager.add(actions)
            elif actions:
                _store_batch(actions, resolver, summary, batch_id)
            # Posts are stored last, once every demo member the actions make exists, and
            # their own text is the last word (they come from archives: one member's posts).
            posts += batch_posts
            if on_progress is not None:
                on_progress(summary)
        if stager is not None:
            counts = stager.finish(demo_members=demo_members, import_batch_id=batch_id)
            for name, value in counts.items():
                setattr(summary, name, getattr(summary, name) + value)
        latest = {(p.network, p.account_id, p.content_id): p for p in posts}  # a post once
        for part in _batches(latest.values(), batch_size):
            _store_posts(part, resolver, summary)
        summary.demo_members_created += resolver.demo_members_created
        if import_batch is not None:
            _import_batch_finish(import_batch, summary)
    return summary


def _import_batch_finish(import_batch: ImportBatch, summary: ImportSummary) -> None:
    ImportBatch.objects.filter(pk=import_batch.pk).update(
        status=ImportBatch.Status.DONE,
        read=summary.read,
        stored=summary.stored,
        posts=summary.posts,
        duplicates=summary.duplicates,
        not_member=summary.not_member,
        rejected=summary.rejected,
        demo_members_created=summary.demo_members_created,
        rejected_sample=summary.rejected_sample,
        error="",
        finished_at=timezone.now(),
    )

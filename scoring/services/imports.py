"""Imports of files into the action log: from the CLI, or uploaded and run by a Celery task.

Progress while an import runs lives in the cache (the import's rows are not visible until its
transaction commits); the final counts are written with the data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scoring.errors import ImportRefused, NetworkAccountTaken
from scoring.ingest.errors import IngestError
from scoring.ingest.files import LineSource
from scoring.ingest.formats import FORMATS, detect_format, parse
from scoring.ingest.twitter_zip import TwitterArchiveZip, is_zip
from scoring.models import ImportBatch, Member, NetworkAccount
from scoring.networks import is_valid_slug
from scoring.services.actions import ImportSummary, actions_import
from scoring.services.members import network_account_connect

PROGRESS_TTL_SECONDS = 24 * 3600
logger = logging.getLogger(__name__)


def progress_key(import_id: int) -> str:
    return f"import-progress:{import_id}"


def _size_text(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n} bytes"


def _check_upload(*, file: UploadedFile, format_name: str, limit: int) -> str:
    if file.size == 0:
        raise ImportRefused(f"{file.name} is empty.", field="file")
    if file.size > limit:
        raise ImportRefused(
            f"{file.name} is {_size_text(file.size)}; the limit is {_size_text(limit)}.",
            field="file",
        )
    format_name = format_name or detect_format(file.name) or ""
    if format_name not in FORMATS:
        raise ImportRefused(
            f"Cannot tell the format of {file.name}: choose one of {', '.join(FORMATS)}.",
            field="format",
        )
    return format_name


def _enqueue(batch: ImportBatch) -> ImportBatch:
    from scoring.tasks import import_batch_run_task

    transaction.on_commit(lambda: import_batch_run_task.delay(batch.pk))
    return batch


@transaction.atomic
def member_archive_import_create(
    *,
    member: Member,
    file: UploadedFile,
    account: NetworkAccount | None = None,
    account_external_id: str = "",
) -> ImportBatch:
    """A member's import of their own X/Twitter archive, run by a task after commit.

    The whole archive (.zip) names its account in data/account.js: that account is added to
    the member when, and only when, the import succeeds. A tweets.js alone says nothing of
    whose it is, so it must go to an X account the member already has (``account``, or its
    id in ``account_external_id``). Nothing is attached here, whatever the file holds.
    """
    if not member.is_opted_in:
        raise ImportRefused(
            "Opt in to scoring first: nothing from an import is stored for someone who is not.",
            field="file",
        )
    format_name = _check_upload(
        file=file, format_name="twitter-archive", limit=settings.IMPORT_MEMBER_MAX_BYTES
    )
    account = _archive_account(member, account, account_external_id, zipped=is_zip(file, file.name))
    batch = ImportBatch.objects.create(
        created_by=member.user,
        member=member,
        file=file,
        original_name=file.name[:255],
        format=format_name,
        network="twitter",
        account_external_id=account.external_id if account else "",
        skip_invalid=True,
        bytes_total=file.size,
    )
    return _enqueue(batch)


def _archive_account(
    member: Member, account: NetworkAccount | None, account_external_id: str, *, zipped: bool
) -> NetworkAccount | None:
    """The member's X/Twitter account the archive must belong to: the one chosen, or the one
    whose id is given (either must already be theirs); None for a zip left to name its own."""
    external_id = (account_external_id or "").strip()
    if account is None and external_id:
        account = member.network_accounts.filter(network="twitter", external_id=external_id)
        account = account.first()
        if account is None:
            raise ImportRefused(
                f"X account {external_id} is not connected to you. Upload the whole archive "
                "(.zip): its data/account.js shows the account is yours.",
                field="account_external_id",
            )
    if account is None:
        if zipped:
            return None
        raise ImportRefused(
            "A tweets.js alone does not say whose tweets they are: upload the whole archive "
            "(the .zip X made), or connect your X account first and choose it.",
            field="file",
        )
    if account.member_id != member.pk or account.network != "twitter":
        raise ImportRefused("That is not one of your X/Twitter accounts.", field="account")
    return account


@transaction.atomic
def staff_import_create(
    *,
    user,
    file: UploadedFile,
    format_name: str = "",
    network: str = "",
    account_external_id: str = "",
    skip_invalid: bool = False,
    demo_members: bool = False,
) -> ImportBatch:
    """A staff member's bulk import, run by a task after commit."""
    if not user.is_staff:
        raise ImportRefused("Only site staff import bulk files.")
    format_name = _check_upload(
        file=file, format_name=format_name, limit=settings.IMPORT_STAFF_MAX_BYTES
    )
    if network and not is_valid_slug(network):
        raise ImportRefused(f"{network!r} is not a network slug.", field="network")
    names_account = account_external_id.strip() or is_zip(file, file.name)
    if FORMATS[format_name].needs_account and not names_account:
        raise ImportRefused(
            "A tweets.js needs the account it belongs to (a whole archive .zip names it).",
            field="account_external_id",
        )
    batch = ImportBatch.objects.create(
        created_by=user,
        file=file,
        original_name=file.name[:255],
        format=format_name,
        network=network,
        account_external_id=account_external_id.strip(),
        skip_invalid=skip_invalid,
        demo_members=demo_members,
        bytes_total=file.size,
    )
    return _enqueue(batch)


def _claim(batch_id: int) -> bool:
    """Mark the import running, once. A run whose worker died (still "running", its data
    rolled back) may be claimed again only after the task time limit, so that two workers
    never run the same import."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=ImportBatch.Status.QUEUED) | Q(
        status=ImportBatch.Status.RUNNING, started_at__lt=stale
    )
    return bool(
        ImportBatch.objects.filter(claimable, pk=batch_id).update(
            status=ImportBatch.Status.RUNNING, started_at=now
        )
    )


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED, error=message, finished_at=timezone.now()
    )


def import_batch_process(
    *,
    batch: ImportBatch,
    stream: BinaryIO,
    on_progress: Callable[[ImportSummary, int], None] | None = None,
) -> ImportBatch:
    """Parse ``stream`` and store it as ``batch``; mark the batch done or failed.

    A file-level problem or (without skip_invalid) any invalid record fails the import with
    the error naming file, line and field, and stores nothing.
    """
    if not _claim(batch.pk):
        batch.refresh_from_db()
        return batch
    max_bytes = batch.bytes_total * settings.IMPORT_MAX_EXPANSION if batch.bytes_total else None
    try:
        if batch.format == "twitter-archive" and is_zip(stream, batch.original_name):
            archive = TwitterArchiveZip(stream, name=batch.original_name, max_bytes=max_bytes)
            _archive_store(batch, archive, _progress_reporter(batch, archive, on_progress))
        else:
            source = LineSource(stream, name=batch.original_name, max_bytes=max_bytes)
            _parse_and_store(batch, source, _progress_reporter(batch, source, on_progress))
    except IngestError as error:
        _fail(batch, str(error))
    except NetworkAccountTaken as error:
        _fail(batch, f"{batch.original_name}: {error.message} Nothing was stored.")
    except Exception as error:  # the import must end, and say so, whatever went wrong
        logger.exception("import %s failed", batch.pk)
        _fail(
            batch,
            f"{batch.original_name}: the import failed ({type(error).__name__}); "
            "nothing was stored. Staff can see the details in the log.",
        )
    batch.refresh_from_db()
    return batch


def _progress_reporter(
    batch: ImportBatch,
    source: LineSource | TwitterArchiveZip,
    on_progress: Callable[[ImportSummary, int], None] | None,
) -> Callable[[ImportSummary], None]:
    """What the import calls after each chunk: the progress goes to the cache, where the
    import's page reads it, and to ``on_progress`` when given."""

    def progress(summary: ImportSummary) -> None:
        cache.set(
            progress_key(batch.pk),
            {"read": summary.read, "bytes_read": source.bytes_read},
            PROGRESS_TTL_SECONDS,
        )
        if on_progress is not None:
            on_progress(summary, source.bytes_read)

    return progress


def _parse_and_store(
    batch: ImportBatch, source: LineSource, progress: Callable[[ImportSummary], None]
) -> None:
    """Parse the file in the batch's format and store its records, in one transaction."""
    items = parse(
        batch.format,
        source,
        source=batch.original_name,
        now=timezone.now(),
        network=batch.network or None,
        account_id=batch.account_external_id or None,
    )
    actions_import(
        records=items,
        demo_members=batch.demo_members,
        skip_invalid=batch.skip_invalid,
        import_batch=batch,
        on_progress=progress,
    )


def _archive_store(
    batch: ImportBatch, archive: TwitterArchiveZip, progress: Callable[[ImportSummary], None]
) -> None:
    """Store a whole archive, in one transaction with the account its account.js names: a
    member's import adds that account to them (taking it over from a weaker claim, see
    network_account_connect), and a failed import adds nothing."""
    owner = archive.account()
    chosen = batch.account_external_id
    if chosen and chosen != owner.account_id:
        raise IngestError(
            source=f"{batch.original_name}:data/account.js",
            line=1,
            field="accountId",
            problem="the archive is another account's",
            value=owner.account_id,
            expected=f"the account chosen for it ({chosen})",
        )
    items = archive.items(
        account_id=owner.account_id, network=batch.network or "twitter", now=timezone.now()
    )
    with transaction.atomic():
        if batch.member_id:
            network_account_connect(
                member=batch.member,
                network=batch.network or "twitter",
                external_id=owner.account_id,
                handle=owner.username,
                source=NetworkAccount.Source.ARCHIVE,
            )
        ImportBatch.objects.filter(pk=batch.pk).update(account_external_id=owner.account_id)
        actions_import(
            records=items,
            demo_members=batch.demo_members,
            skip_invalid=batch.skip_invalid,
            import_batch=batch,
            on_progress=progress,
        )


def import_batch_run(*, import_id: int) -> ImportBatch:
    """Run an uploaded import. Safe to run twice: a finished import is left as it is. The
    uploaded file is deleted afterwards, whatever the outcome."""
    batch = ImportBatch.objects.get(pk=import_id)
    if batch.is_finished:
        return batch
    try:
        with batch.file.open("rb") as stream:
            batch = import_batch_process(batch=batch, stream=stream)
    finally:
        if batch.is_finished and batch.file:
            batch.file.delete(save=True)
        cache.delete(progress_key(import_id))
    if batch.member_id and batch.status == ImportBatch.Status.DONE and batch.stored:
        from scoring.tasks import score_run_task

        # A member's own import shows in their score at once, not at the next nightly run.
        transaction.on_commit(lambda: score_run_task.delay())
    return batch


def import_batch_progress(*, batch: ImportBatch) -> dict:
    """What the progress page shows: the row's counts, or the cache's while running."""
    live = cache.get(progress_key(batch.pk)) or {} if not batch.is_finished else {}
    read = live.get("read", batch.read)
    done = batch.bytes_total if batch.is_finished else live.get("bytes_read", 0)
    if batch.is_finished:  # a failed import stored nothing: its bar is not full
        percent = 100 if batch.status == ImportBatch.Status.DONE else 0
    else:  # reading is the first 95%; storing what was read (one transaction) the rest
        percent = min(int(95 * done / batch.bytes_total), 95) if batch.bytes_total else 0
    return {
        "id": batch.pk,
        "status": batch.status,
        "phase": "finished" if batch.is_finished else "storing" if percent >= 95 else "reading",
        "finished": batch.is_finished,
        "percent": min(percent, 100),
        "read": read,
        "stored": batch.stored,
        "posts": batch.posts,
        "duplicates": batch.duplicates,
        "not_member": batch.not_member,
        "rejected": batch.rejected,
        "demo_members_created": batch.demo_members_created,
        "rejected_sample": batch.rejected_sample,
        "error": batch.error,
    }

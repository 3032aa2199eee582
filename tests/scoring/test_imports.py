"""Imports end to end: the command, the upload pages, the API and the task."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.models import (
    Action,
    AnonymousActor,
    Content,
    ImportBatch,
    Member,
    NetworkAccount,
)
from scoring.services.imports import import_batch_run
from tests.factories import NetworkAccountFactory, OptedInMemberFactory, UserFactory
from tests.scoring.archives import archive_zip

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "scoring" / "ingest" / "samples"
HEADER = "network,actor_id,subject_id,kind,occurred_at,content_id\n"


def _write(tmp_path, name: str, text: str | bytes, *, gz: bool = False) -> Path:
    data = text if isinstance(text, bytes) else text.encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _command(*args) -> str:
    out = StringIO()
    call_command("import_actions", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def subject(db):
    return NetworkAccountFactory(network="twitter", external_id="500")


def test_import_command_csv_summary_consent_and_idempotency(tmp_path, subject):
    path = _write(
        tmp_path,
        "a.csv",
        HEADER + "twitter,1,500,share,2024-05-01T10:00:00Z,p1\n"
        "twitter,2,500,like,2024-05-01T10:00:01Z,p1\n"
        "twitter,3,999,like,2024-05-01T10:00:02Z,\n",
    )

    output = _command(path)

    assert "stored                                   2" in output
    assert "not stored: not a member                 1" in output
    assert Action.objects.filter(subject=subject).count() == 2
    assert Content.objects.get(account=subject).external_id == "p1"
    again = _command(path)
    assert "duplicates                               2" in again
    assert Action.objects.count() == 2
    assert ImportBatch.objects.filter(status="done").count() == 2


def test_import_command_gzip_is_recognised_by_content(tmp_path, subject):
    path = _write(tmp_path, "a.csv.gz", HEADER + "twitter,1,500,share,1714557600,\n", gz=True)
    _command(path)
    assert Action.objects.count() == 1


def test_import_command_first_bad_record_stores_nothing(tmp_path, subject):
    path = _write(
        tmp_path,
        "a.csv",
        HEADER + "twitter,1,500,share,2024-05-01T10:00:00Z,\ntwitter,2,500,zap,1714557600,\n",
    )

    with pytest.raises(CommandError) as error:
        _command(path)

    assert "nothing stored" in str(error.value)
    assert "a.csv, line 3, field 'kind': unknown kind: found 'zap'" in str(error.value)
    _nothing_stored()
    assert ImportBatch.objects.get().status == "failed"


def test_import_command_skip_invalid_stores_valid_and_lists_first_hundred(tmp_path, subject):
    bad = "".join(f"twitter,{i},500,share,1999-01-01T00:00:00Z,\n" for i in range(150))
    path = _write(tmp_path, "a.csv", HEADER + "twitter,1,500,share,1714557600,\n" + bad)

    output = _command(path, "--skip-invalid")

    batch = ImportBatch.objects.get()
    assert (batch.stored, batch.rejected, len(batch.rejected_sample)) == (1, 150, 100)
    assert batch.rejected_sample[0]["line"] == 3
    assert "before 2000" in batch.rejected_sample[0]["message"]
    assert "... and 50 more rejected" in output


@pytest.mark.parametrize(
    "content, message, line",
    [
        ("", "the file is empty", 0),
        ("223789 213163 1341100972 MT\n", "missing column(s)", 1),
        (HEADER + "twitter,1,500,share,4102444800,\n", "field 'occurred_at': in the future", 2),
        (
            (HEADER + "twitter,1,500,share,1714557600,caf\xe9\n").encode("latin-1"),
            "not UTF-8 text",
            2,
        ),
    ],
)
def test_import_command_bad_files_fail_with_place(tmp_path, subject, content, message, line):
    path = _write(tmp_path, "a.csv", content)
    with pytest.raises(CommandError) as error:
        _command(path)
    assert f"a.csv, line {line}" in str(error.value) and message in str(error.value)
    _nothing_stored()


def test_import_command_truncated_gzip_fails_and_stores_nothing(tmp_path, subject):
    rows = "".join(f"twitter,{i},500,share,{1714557600 + i},\n" for i in range(40_000))
    data = gzip.compress((HEADER + rows).encode())
    path = tmp_path / "a.csv.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(CommandError, match="gzip data is truncated"):
        _command(path)
    assert not Action.objects.exists()


def test_import_command_demo_members_flagged(tmp_path):
    path = _write(tmp_path, "h.txt", "1 2 1341100972 RT\n3 2 1341100973 RT\n1 4 1341100974 MT\n")
    output = _command(path, "--demo-members", "--network", "twitter")
    assert "demo members created                     2" in output
    assert Member.objects.filter(is_demo=True, opted_in_at__isnull=False).count() == 2
    assert Action.objects.count() == 3


def test_import_command_archive_needs_account(tmp_path):
    with pytest.raises(CommandError, match="needs --account"):
        _command(SAMPLES / "tweets.js")


def test_import_command_archive_of_member(subject):
    subject.external_id = "1510000001"
    subject.save()
    _command(SAMPLES / "tweets.js", "--account", "1510000001")
    assert Content.objects.filter(account=subject).count() == 3
    assert Action.objects.filter(subject=subject).count() == 17


def _nothing_stored() -> None:
    assert not Action.objects.exists()
    assert not Content.objects.exists()
    assert not AnonymousActor.objects.exists()
    assert not Member.objects.filter(is_demo=True).exists()


def test_import_command_unexpected_error_fails_the_import_and_stores_nothing(
    tmp_path, subject, monkeypatch
):
    from scoring.services import actions

    path = _write(tmp_path, "a.csv", HEADER + "twitter,1,500,share,1714557600,p1\n")

    def crash(*args, **kwargs):  # the data is written; something breaks before commit
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "_import_batch_finish", crash)
    with pytest.raises(CommandError, match="the import failed \\(RuntimeError\\)"):
        _command(path, "--demo-members")
    _nothing_stored()
    assert ImportBatch.objects.get().status == "failed"


def test_import_left_running_by_a_dead_worker_runs_again_only_when_stale(
    tmp_path, subject, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from scoring.services.imports import import_batch_process

    path = _write(tmp_path, "a.csv", HEADER + "twitter,1,500,share,1714557600,\n")
    batch = ImportBatch.objects.create(
        original_name="a.csv",
        format="csv",
        status="running",
        started_at=timezone.now(),
        bytes_total=path.stat().st_size,
    )
    with path.open("rb") as stream:  # another worker may still be on it: leave it alone
        assert import_batch_process(batch=batch, stream=stream).status == "running"
    assert not Action.objects.exists()

    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=stale)
    with path.open("rb") as stream:
        assert import_batch_process(batch=batch, stream=stream).status == "done"
    assert Action.objects.count() == 1


def test_import_gzip_bomb_is_stopped(tmp_path, subject, settings):
    settings.IMPORT_MAX_EXPANSION = 10
    rows = "twitter,1,500,share,1714557600,\n" * 50_000  # compresses 500 to 1
    path = _write(tmp_path, "a.csv.gz", HEADER + rows, gz=True)
    with pytest.raises(CommandError, match="expands to more than"):
        _command(path)
    _nothing_stored()


# --- pages -----------------------------------------------------------------------------------


def _upload(name: str = "tweets.js") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / "tweets.js").read_bytes())


def _archive() -> SimpleUploadedFile:
    return SimpleUploadedFile("twitter-archive.zip", archive_zip())


def test_member_archive_upload_runs_and_shows_progress(client, django_capture_on_commit_callbacks):
    member = OptedInMemberFactory()
    client.force_login(member.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("member_imports"), {"file": _archive()})

    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    assert (batch.status, batch.member, batch.posts, batch.stored) == ("done", member, 3, 17)
    assert not batch.file  # the upload is deleted once imported
    account = NetworkAccount.objects.get(member=member)
    assert (account.external_id, account.source) == ("1510000001", "archive")
    page = client.get(response["Location"]).content.decode()
    assert "Done" in page and "Actions stored" in page
    progress = client.get(reverse("import_progress", args=[batch.pk])).json()
    assert progress["finished"] is True and progress["stored"] == 17


def test_member_archive_upload_not_opted_in_is_refused(client, member):
    client.force_login(member.user)
    response = client.post(
        reverse("member_imports"), {"file": _upload(), "account_external_id": "1"}
    )
    assert "Opt in to scoring first" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_member_archive_upload_too_large_is_refused(client, settings):
    settings.IMPORT_MEMBER_MAX_BYTES = 1000
    member = OptedInMemberFactory()
    client.force_login(member.user)
    response = client.post(
        reverse("member_imports"), {"file": _upload(), "account_external_id": "1"}
    )
    size = (SAMPLES / "tweets.js").stat().st_size
    assert (
        f"tweets.js is {size / 1024:.1f} kB; the limit is 1000 bytes." in response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_member_cannot_see_another_members_import(client, tmp_path):
    owner = OptedInMemberFactory()
    batch = ImportBatch.objects.create(member=owner, original_name="x", format="csv")
    client.force_login(OptedInMemberFactory().user)
    assert client.get(reverse("import_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("import_progress", args=[batch.pk])).status_code == 404


def test_staff_imports_page_requires_staff(client, member):
    client.force_login(member.user)
    assert client.get(reverse("staff_imports")).status_code == 302


def test_staff_bulk_upload_with_skip_invalid(
    admin_client, subject, django_capture_on_commit_callbacks
):
    data = HEADER + "twitter,1,500,share,1714557600,\ntwitter,1,500,zap,1714557600,\n"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("staff_imports"),
            {"file": SimpleUploadedFile("bulk.csv", data.encode()), "skip_invalid": "on"},
        )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.stored, batch.rejected) == ("done", 1, 1)


def test_staff_upload_unknown_format_is_refused(admin_client):
    response = admin_client.post(
        reverse("staff_imports"), {"file": SimpleUploadedFile("data.xlsx", b"PK\x03\x04")}
    )
    assert "Cannot tell the format of data.xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_import_batch_run_twice_changes_nothing_more(admin_user, subject):
    from scoring.services.imports import staff_import_create

    batch = staff_import_create(
        user=admin_user,
        file=SimpleUploadedFile("a.csv", (HEADER + "twitter,1,500,share,1714557600,\n").encode()),
    )
    first = import_batch_run(import_id=batch.pk)
    second = import_batch_run(import_id=batch.pk)
    assert first.status == second.status == "done"
    assert Action.objects.count() == 1


# --- API -------------------------------------------------------------------------------------


def test_api_member_uploads_archive_and_reads_progress(django_capture_on_commit_callbacks):
    member = OptedInMemberFactory()
    api = APIClient()
    api.force_authenticate(member.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api_imports"),
            {"file": _archive(), "demo_members": "true"},
            format="multipart",
        )

    assert response.status_code == 202
    batch = ImportBatch.objects.get()
    assert batch.demo_members is False  # a staff-only option, ignored for members
    detail = api.get(reverse("api_import", args=[batch.pk])).json()
    assert detail["status"] == "done" and detail["posts"] == 3
    other = APIClient()
    other.force_authenticate(UserFactory())
    assert other.get(reverse("api_import", args=[batch.pk])).status_code == 404


def test_api_member_bad_account_id_is_400_naming_field():
    member = OptedInMemberFactory()
    api = APIClient()
    api.force_authenticate(member.user)
    response = api.post(
        reverse("api_imports"),
        {"file": _upload(), "account_external_id": "@me"},
        format="multipart",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_refused"
    assert "account_external_id" in error["fields"]


def test_member_upload_declared_too_large_is_refused_before_reading(client, settings):
    settings.IMPORT_MEMBER_MAX_BYTES = 1000
    member = OptedInMemberFactory()
    client.force_login(member.user)
    response = client.post(
        reverse("member_imports"),
        {"file": SimpleUploadedFile("tweets.js", b"x" * 200_000), "account_external_id": "1"},
        follow=True,
    )
    assert "the limit is 1,000 bytes" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_staff_upload_too_large_is_refused(admin_client, settings):
    settings.IMPORT_STAFF_MAX_BYTES = 10
    response = admin_client.post(
        reverse("staff_imports"), {"file": SimpleUploadedFile("a.csv", HEADER.encode())}
    )
    assert f"a.csv is {len(HEADER)} bytes; the limit is 10 bytes." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_staff_import_create_refuses_non_staff(user):
    from scoring.errors import ImportRefused
    from scoring.services.imports import staff_import_create

    with pytest.raises(ImportRefused, match="Only site staff"):
        staff_import_create(user=user, file=SimpleUploadedFile("a.csv", HEADER.encode()))


def test_samples_shipped_with_the_project_import_cleanly(tmp_path):
    for name in ("actions.csv", "actions.jsonl"):
        output = _command(SAMPLES / name, "--demo-members")
        assert "rejected                                 0" in output
    assert Action.objects.filter(network="linkedin").count() == 1


def test_import_progress_while_running_comes_from_the_cache(admin_user):
    from django.core.cache import cache

    from scoring.services.imports import import_batch_progress, progress_key

    batch = ImportBatch.objects.create(
        created_by=admin_user,
        original_name="big.csv",
        format="csv",
        status="running",
        bytes_total=1000,
    )
    cache.set(progress_key(batch.pk), {"read": 1234, "bytes_read": 500})
    progress = import_batch_progress(batch=batch)
    assert (progress["read"], progress["percent"], progress["phase"]) == (1234, 47, "reading")
    cache.set(progress_key(batch.pk), {"read": 5000, "bytes_read": 1000})
    progress = import_batch_progress(batch=batch)
    assert (progress["percent"], progress["phase"]) == (95, "storing")

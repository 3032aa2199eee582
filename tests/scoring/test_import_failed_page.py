"""A failed import's page says it failed and what failed: no green note, no full bar."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from scoring.models import ImportBatch
from tests.factories import OptedInMemberFactory
from tests.scoring.archives import archive_zip

pytestmark = pytest.mark.django_db
ERROR = "ana.zip:data/account.js line 1: field accountId: the archive is another account's"


def _failed(member) -> ImportBatch:
    return ImportBatch.objects.create(
        member=member,
        created_by=member.user,
        original_name="ana.zip",
        format="twitter-archive",
        status=ImportBatch.Status.FAILED,
        error=ERROR,
        bytes_total=2048,
    )


def _assert_failure_shown(page: str, batch: ImportBatch) -> None:
    assert 'role="alert"' in page and "This import failed" in page
    assert escape(batch.error) in page
    assert "message success" not in page and "status-done" not in page
    assert "<progress" not in page  # no bar at all, so never a full one
    assert re.search(r'class="status status-failed">\s*Failed', page)


def test_import_detail_failed_shows_the_error_and_no_success(client):
    member = OptedInMemberFactory()
    batch = _failed(member)
    client.force_login(member.user)

    page = client.get(reverse("import_detail", args=[batch.pk])).content.decode()

    _assert_failure_shown(page, batch)
    assert 'data-finished="true"' in page and 'data-status="failed"' in page
    assert "Actions stored" not in page  # the counts of an import that stored nothing
    assert f'href="{reverse("member_imports")}">Upload a corrected file' in page


def test_import_progress_json_of_a_failed_import_names_the_failure(client):
    member = OptedInMemberFactory()
    batch = _failed(member)
    client.force_login(member.user)

    progress = client.get(reverse("import_progress", args=[batch.pk])).json()

    assert (progress["finished"], progress["status"], progress["error"]) == (True, "failed", ERROR)
    assert progress["percent"] == 0  # nothing stored: the API never reports a full bar


def test_member_upload_that_fails_lands_on_the_error_without_a_green_note(
    client, django_capture_on_commit_callbacks
):
    member = OptedInMemberFactory()
    client.force_login(member.user)
    broken = SimpleUploadedFile("broken.zip", archive_zip(account=b""))  # no data/account.js

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("member_imports"), {"file": broken})

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and batch.error
    page = client.get(response["Location"]).content.decode()
    _assert_failure_shown(page, batch)
    assert "being imported" not in page


def test_import_detail_done_keeps_its_full_bar_and_counts(client):
    member = OptedInMemberFactory()
    batch = ImportBatch.objects.create(
        member=member, original_name="ana.zip", format="twitter-archive", status="done", stored=17
    )
    client.force_login(member.user)

    page = client.get(reverse("import_detail", args=[batch.pk])).content.decode()

    assert 'value="100"' in page and "Actions stored" in page
    assert "This import failed" not in page and 'role="alert"' not in page

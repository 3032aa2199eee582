"""An import that fails while its page is open: the polling page ends on the error, never on
a green note or a full bar."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from scoring.models import ImportBatch
from tests.conftest import requires_chromium
from tests.factories import OptedInMemberFactory

pytestmark = [requires_chromium, pytest.mark.browser]
ERROR = "ana.zip:data/account.js line 1: field accountId: the archive is another account's"


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.mark.django_db(transaction=True)
def test_import_page_polling_ends_in_the_error_state_when_the_import_fails(page, live_server):
    member = OptedInMemberFactory()
    batch = ImportBatch.objects.create(
        member=member,
        created_by=member.user,
        original_name="ana.zip",
        format="twitter-archive",
        status=ImportBatch.Status.RUNNING,
        bytes_total=2048,
    )
    _sign_in(page, live_server, member.user)
    progress_url = f"/imports/{batch.pk}/progress.json"

    with page.expect_response(lambda r: r.url.endswith(progress_url)):
        page.goto(f"/imports/{batch.pk}/")
    assert page.locator("progress").evaluate("bar => bar.value") < 100

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, error=ERROR)
    alert = page.get_by_role("alert")
    alert.wait_for()

    assert "This import failed" in alert.inner_text() and ERROR in alert.inner_text()
    assert page.locator("[data-field=status]").inner_text() == "Failed"
    assert page.locator("progress").count() == 0
    assert page.locator(".message.success, .status-done").count() == 0
    assert page.locator("#import-progress").get_attribute("data-finished") == "true"

"""The browser for the end-to-end journeys (Chromium from the system, never downloaded)."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.conftest import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def page(live_server, monkeypatch, tmp_path):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are
    # ordinary synchronous calls, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
        finally:
            # The test's ORM reads ran under Playwright's event loop, in a context of their
            # own with its own connection: close it before the test database is dropped.
            connections.close_all()
            browser.close()

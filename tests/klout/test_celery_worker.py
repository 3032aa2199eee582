"""Tasks through a real broker and a real worker process, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from core.tasks import email_send, sessions_clear_expired
from klout.celery import app
from tests.conftest import requires_broker, requires_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [requires_postgres, requires_broker, pytest.mark.celery_worker]


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@pytest.fixture
def worker(tmp_path):
    """A worker process on a queue of its own, so no other worker takes these tasks."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "klout",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        yield queue, tmp_path
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.mark.django_db(transaction=True)
def test_tasks_run_in_a_real_worker_process(worker):
    queue, tmp_path = worker
    Session.objects.create(
        session_key="expired-session",
        session_data="x",
        expire_date=timezone.now() - timedelta(days=1),
    )

    email_send.apply_async(
        kwargs={"subject": "Hello from the worker", "body": "sent by celery", "to": ["a@b.c"]},
        queue=queue,
    )
    sessions_clear_expired.apply_async(queue=queue)

    mail_dir = tmp_path / "mail"
    try:
        _wait_for(lambda: mail_dir.is_dir() and any(mail_dir.iterdir()), seconds=60, what="mail")
        _wait_for(
            lambda: not Session.objects.filter(session_key="expired-session").exists(),
            seconds=60,
            what="the expired session to be cleared",
        )
    except AssertionError:
        print((tmp_path / "worker.log").read_text())
        raise
    message = next(mail_dir.iterdir()).read_text()
    assert "Subject: Hello from the worker" in message
    assert "sent by celery" in message

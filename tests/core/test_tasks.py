from __future__ import annotations

from celery import current_app

from core.tasks import email_send


def test_email_send_task_sends_one_message(mailoutbox):
    email_send.delay(subject="Hello", body="Body", to=["a@example.com"], html_body="<p>Body</p>")
    assert [(m.subject, m.to) for m in mailoutbox] == [("Hello", ["a@example.com"])]
    assert mailoutbox[0].alternatives[0].mimetype == "text/html"


def test_email_send_mail_queued_under_the_old_task_name_is_still_sent(mailoutbox):
    old = current_app.tasks["klout.tasks.email_send"]
    old.delay(subject="Queued before", body="Body", to=["b@example.com"])
    assert [(m.subject, m.to) for m in mailoutbox] == [("Queued before", ["b@example.com"])]

"""Celery tasks every app uses: outgoing mail and housekeeping."""

from __future__ import annotations

from celery import shared_task
from django.core import management
from django.core.mail import EmailMultiAlternatives


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def email_send(
    self,
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str | None = None,
    html_body: str | None = None,
) -> None:
    """Send one e-mail. Retries with backoff when the mail server cannot be reached."""
    email_send_now(subject=subject, body=body, to=to, from_email=from_email, html_body=html_body)


def email_send_now(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str | None = None,
    html_body: str | None = None,
    connection=None,
) -> None:
    """Send one e-mail in this process (a worker that must know it went: the fulfilment
    outbox marks a claim sent only after this returns), on ``connection`` when given (one
    mail server connection for a batch)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email,
        to=to,
        connection=connection,  # None: Django opens one for this message
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


@shared_task(
    name="klout.tasks.email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def email_send_queued_in_klout(**message) -> None:
    """Mail queued before these tasks moved from klout/ to core/ carries the old name: it is
    sent all the same. Nothing queues under this name any more."""
    email_send_now(**message)


@shared_task
def sessions_clear_expired() -> None:
    """Remove expired sessions (run daily by beat)."""
    management.call_command("clearsessions")

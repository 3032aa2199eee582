"""django-allauth's account adapter: mail leaves through a Celery task after the transaction
commits, so a slow mail server never holds up a sign-up."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        if not settings.EMAIL_VIA_CELERY:
            message.send()
            return
        from core.tasks import email_send

        html = next(
            (
                content
                for content, mime in getattr(message, "alternatives", [])
                if mime == "text/html"
            ),
            None,
        )
        kwargs = {
            "subject": message.subject,
            "body": message.body,
            "to": list(message.to),
            "from_email": message.from_email,
            "html_body": html,
        }
        transaction.on_commit(lambda: email_send.delay(**kwargs))

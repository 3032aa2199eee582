"""django-allauth adapters: mail leaves through a Celery task after the transaction commits;
social logins never take a network account another member holds."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect

from scoring.models import NetworkAccount
from scoring.networks import network_for_provider


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        if not settings.EMAIL_VIA_CELERY:
            message.send()
            return
        from klout.tasks import email_send

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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse, before anything is saved, to link a network account that another member
        holds by proof (their own login with it): the member sees why instead of an error
        page. A claim made only by uploading an archive yields to the proven owner."""
        network = network_for_provider(sociallogin.account.provider)
        if network is None:
            return
        holder = (
            NetworkAccount.objects.filter(
                network=network.slug, external_id=str(sociallogin.account.uid)
            )
            .select_related("member")
            .first()
        )
        user = request.user if request.user.is_authenticated else sociallogin.user
        proven = holder is not None and holder.source != NetworkAccount.Source.IMPORT
        if proven and holder.member.user_id not in (None, getattr(user, "pk", None)):
            messages.error(
                request, f"This {network.label} account is already connected to another member."
            )
            target = "member_settings" if request.user.is_authenticated else "account_login"
            raise ImmediateHttpResponse(redirect(target))

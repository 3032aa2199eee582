"""Members: consent, visibility, networks, and leaving for good."""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import CharField, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework.authtoken.models import Token

from scoring.errors import (
    InvalidNetwork,
    InvalidVisibility,
    LastLoginMethod,
    NetworkAccountTaken,
)
from scoring.ingest.records import actor_key
from scoring.models import (
    Action,
    AnonymousActor,
    ConsentEvent,
    Content,
    ImportBatch,
    Member,
    MemberScore,
    MemberTopicScore,
    NetworkAccount,
    NetworkSession,
    Visibility,
)
from scoring.networks import KNOWN_NETWORKS, is_valid_slug
from scoring.services.visibility import member_scores_change_lock, member_scores_visibility_set

# The sources that prove an account is the member's beyond doubt (logging in with it, signing
# in to it): only these inherit what the person did before joining.
PROVEN_SOURCES = (
    NetworkAccount.Source.OAUTH,
    NetworkAccount.Source.SESSION,
    NetworkAccount.Source.SITE,
)


def member_for_user(*, user) -> Member:
    """The member profile of a user, created (not opted in, private) on first use."""
    member, _ = Member.objects.get_or_create(user=user)
    return member


@transaction.atomic
def member_opt_in(*, member: Member) -> Member:
    """Record the member's explicit agreement to be scored, with its time. Idempotent. A
    member who has actions to score is scored within minutes (a run is queued), not at the
    next nightly run."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.opted_in_at is None:
        member.opted_in_at = timezone.now()
        member.save(update_fields=["opted_in_at"])
        ConsentEvent.objects.create(
            member=member, kind=ConsentEvent.Kind.OPT_IN, occurred_at=member.opted_in_at
        )
        if Action.objects.filter(subject__member=member).exists():
            transaction.on_commit(score_run_soon)
    return member


SCORE_RUN_GATHER_SECONDS = 60  # opt-ins within a minute share one run


def score_run_soon() -> None:
    """Queue one score run for the next minute, unless one is already queued for it: many
    members opting in at once cost one run, each scored within minutes."""
    from scoring.tasks import score_run_task

    if cache.add("score-run-soon", True, timeout=SCORE_RUN_GATHER_SECONDS):
        score_run_task.apply_async(countdown=SCORE_RUN_GATHER_SECONDS)


@transaction.atomic
def member_opt_out(*, member: Member) -> Member:
    """Stop scoring the member and remove their scores, past ones included. Idempotent. The
    member's own imported data stays until they disconnect a network or delete the account;
    nothing derived from it is kept."""
    member_scores_change_lock()  # a run finishing now is waited for, then cleaned up too
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.opted_in_at is not None:
        member.opted_in_at = None
        member.save(update_fields=["opted_in_at"])
        ConsentEvent.objects.create(member=member, kind=ConsentEvent.Kind.OPT_OUT)
    MemberScore.objects.filter(member=member).delete()  # every score, past runs included
    MemberTopicScore.objects.filter(member=member).delete()
    return member


def member_update(
    *, member: Member, display_name: str | None = None, visibility: str | None = None
) -> Member:
    """Change the member's own settings; a value left None is left as it is.

    ``display_name`` is shown to the member, and to others only where their visibility
    allows; its spaces are normalised. Raises InvalidVisibility for an unknown visibility.
    """
    changes = {}
    if visibility is not None:
        if visibility not in Visibility.values:
            raise InvalidVisibility(
                f"Unknown visibility {visibility!r}: use one of {', '.join(Visibility.values)}.",
                field="visibility",
            )
        changes["visibility"] = visibility
    if display_name is not None:
        changes["display_name"] = " ".join(display_name.split())
    if changes:
        with transaction.atomic():
            Member.objects.filter(pk=member.pk).update(**changes)
            if "visibility" in changes:
                member_scores_visibility_set(member_id=member.pk, visibility=visibility)
        for name, value in changes.items():
            setattr(member, name, value)
    return member


def _actions_taken_unlink(account: NetworkAccount) -> None:
    """Keep the engagement this account gave others, but as a new anonymous actor that
    nobody can link back: a random key, not the keyed hash of the account's id."""
    taken = Action.objects.filter(actor_account=account)
    if not taken.exists():
        return
    actor = AnonymousActor.objects.create(network=account.network, key_hash=uuid.uuid4())
    taken.update(actor_account=None, actor_anonymous=actor)


@transaction.atomic
def network_account_connect(
    *,
    member: Member,
    network: str,
    external_id: str,
    handle: str = "",
    source: str = NetworkAccount.Source.OAUTH,
) -> NetworkAccount:
    """Link a network account to the member. Idempotent for the same member.

    The source is how the member showed the account is theirs (NetworkAccount.PROOF_RANK):
    an account held by another member on weaker evidence is taken over, and that member is
    told; one held as strongly or more raises NetworkAccountTaken. Connecting again with a
    stronger source upgrades the member's own account. With a proven source (OAUTH, SESSION),
    actions this person took while not a member, stored under an anonymous actor, are linked
    to the account.
    """
    external_id = _valid_account_id(network, external_id)
    proven = source in PROVEN_SOURCES
    existing = NetworkAccount.objects.filter(network=network, external_id=external_id).first()
    if existing is not None and existing.member_id == member.pk:
        if NetworkAccount.outranks(source, existing.source):  # the member's own, now stronger
            existing.source = source
            existing.handle = handle or existing.handle
            existing.save(update_fields=["source", "handle"])
            if proven:
                _actions_taken_before_joining_link(existing)
        return existing
    if existing is not None:
        _weaker_claim_yield(existing, source=source)
    account = _network_account_create(
        member=member, network=network, external_id=external_id, handle=handle, source=source
    )
    if proven:
        _actions_taken_before_joining_link(account)
    return account


def _valid_account_id(network: str, external_id: str) -> str:
    """The account's id on the network, stripped; refused when it or the network is not
    valid."""
    external_id = (external_id or "").strip()
    if not is_valid_slug(network):
        raise InvalidNetwork(f"{network!r} is not a network slug.", field="network")
    if not external_id:
        raise InvalidNetwork("The account needs its id on the network.", field="external_id")
    return external_id


def _weaker_claim_yield(existing: NetworkAccount, *, source: str) -> None:
    """Another member holds the account. A claim on weaker evidence (an id typed with an
    upload, an archive) yields to a member who shows more (an archive naming the account,
    a login with the network); otherwise the account is taken."""
    if not NetworkAccount.outranks(source, existing.source):
        raise NetworkAccountTaken(
            f"This {existing.network_label} account is already connected to another member.",
            field="external_id",
        )
    _network_account_remove(existing)
    _claim_lost_tell(existing, source=source)


_PROOF_WORDS = {
    NetworkAccount.Source.OAUTH: "by logging in with it",
    NetworkAccount.Source.SESSION: "by signing in to it",
    NetworkAccount.Source.SITE: "with a code published on the site",
    NetworkAccount.Source.ARCHIVE: "with the account's own archive",
}


def _claim_lost_tell(account: NetworkAccount, *, source: str) -> None:
    """The member who held the account on weaker evidence is told it went to a member who
    showed more."""
    email = account.member.user.email if account.member.user_id else ""
    if not email:
        return
    from core.tasks import email_send

    label, name = account.network_label, account.handle or account.external_id
    body = (
        f"The {label} account {name} was connected by a member who showed they own it, "
        f"{_PROOF_WORDS.get(source, 'by signing in with it')}. It has been removed from your "
        "Klout Fair account, with the posts and actions imported for it.\n"
    )
    subject = f"{label} account {name} removed"
    transaction.on_commit(lambda: email_send.delay(to=[email], subject=subject, body=body))


def _network_account_create(
    *, member: Member, network: str, external_id: str, handle: str, source: str
) -> NetworkAccount:
    """The new account row; another member connecting it at the same moment is refused."""
    try:
        with transaction.atomic():
            return NetworkAccount.objects.create(
                member=member,
                network=network,
                external_id=external_id,
                handle=handle,
                source=source,
            )
    except IntegrityError:
        raise NetworkAccountTaken(
            f"This {network} account was just connected by another member.", field="external_id"
        ) from None


def _actions_taken_before_joining_link(account: NetworkAccount) -> None:
    """Only a proven owner inherits what this person did before joining (stored under the
    keyed hash of the account's id)."""
    key = actor_key(settings.ACTOR_HASH_KEY, account.network, account.external_id)
    Action.objects.filter(actor_anonymous__key_hash=key).update(
        actor_anonymous=None, actor_account=account
    )


def _check_not_last_login(user, account: NetworkAccount) -> None:
    """Refuse to remove the only way a user can sign in (no password, one social login)."""
    if user.has_usable_password():
        return
    logins = SocialAccount.objects.filter(user=user)
    linked = logins.filter(provider__in=_provider_ids_for(account.network), uid=account.external_id)
    if linked.exists() and logins.count() == 1:
        raise LastLoginMethod(
            f"{account.network_label} is how you sign in, and you have no password: set a "
            "password first, then disconnect it."
        )


def _provider_ids_for(network: str) -> list[str]:
    known = KNOWN_NETWORKS.get(network)
    return [known.provider_id] if known and known.provider_id else []


@transaction.atomic
def network_account_disconnect(*, account: NetworkAccount) -> None:
    """See :func:`_network_account_remove`. Raises LastLoginMethod when the account is the
    user's only way to sign in."""
    if account.member.user_id:
        _check_not_last_login(account.member.user, account)
    _network_account_remove(account)


def _network_account_remove(account: NetworkAccount) -> None:
    """Remove a network from the member, at once and completely.

    Its posts and the actions received on them are deleted, so they leave the next score and
    the statement immediately. Actions the member took from it on other people's content stay
    counted for those people, but only as an anonymous actor. The login link (allauth social
    account) for it is removed too, and once this commits the network is asked to revoke the
    access the member gave (a task: no network call inside the transaction).
    """
    member = account.member
    _access_revoke_after_commit(account)
    if member.user_id:
        SocialAccount.objects.filter(
            user_id=member.user_id,
            provider__in=_provider_ids_for(account.network),
            uid=account.external_id,
        ).delete()
    _actions_taken_unlink(account)
    account.delete()


def _access_revoke_after_commit(account: NetworkAccount) -> None:
    sealed = NetworkSession.objects.filter(account=account).values_list("sealed", flat=True)
    if sealed:
        from scoring.tasks import network_token_revoke_task

        network, token = account.network, sealed[0]
        transaction.on_commit(lambda: network_token_revoke_task.delay(network, token))


def _sessions_of(user_id: int) -> list[str]:
    keys = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=2000):
        if session.get_decoded().get("_auth_user_id") == str(user_id):
            keys.append(session.session_key)
    return keys


def admin_log_forget(*, model, rows) -> None:
    """Delete the admin log lines about ``rows`` (a queryset of ``model``)."""
    ids = rows.annotate(log_id=Cast("pk", CharField())).values("log_id")
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=Subquery(ids)
    ).delete()


def _admin_log_forget(member: Member) -> None:
    """Admin log lines name the objects they were about (``object_repr`` holds e-mails and
    handles): forget every line about anything of the leaving member."""
    user_id = member.user_id
    owned = [
        (Member, Member.objects.filter(pk=member.pk)),
        (NetworkAccount, NetworkAccount.objects.filter(member=member)),
        (Content, Content.objects.filter(account__member=member)),
        (Action, Action.objects.filter(subject__member=member)),
        (ConsentEvent, ConsentEvent.objects.filter(member=member)),
        (ImportBatch, ImportBatch.objects.filter(member=member)),
    ]
    if user_id:
        owned += [
            (get_user_model(), get_user_model().objects.filter(pk=user_id)),
            (EmailAddress, EmailAddress.objects.filter(user_id=user_id)),
            (SocialAccount, SocialAccount.objects.filter(user_id=user_id)),
            (Token, Token.objects.filter(user_id=user_id)),
        ]
    for model, rows in owned:
        admin_log_forget(model=model, rows=rows)


@transaction.atomic
def member_delete(*, member: Member) -> None:
    """Delete the member and everything personal: profile, consent record, network
    accounts, posts, actions received, the login with its e-mail addresses, API tokens,
    sessions and admin log lines about them. Actions they took on other people's content
    remain, as anonymous actions, so other members' scores do not change.
    """
    _admin_log_forget(member)
    for account in member.network_accounts.all():
        _network_account_remove(account)
    user = member.user
    member.delete()
    if user is None:
        return
    Session.objects.filter(session_key__in=_sessions_of(user.pk)).delete()
    user.delete()


@transaction.atomic
def api_token_rotate(*, user) -> Token:
    """Replace the user's API token with a new one (the old one stops working at once)."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_token_revoke(*, user) -> None:
    Token.objects.filter(user=user).delete()

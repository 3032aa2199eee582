"""Members, their consent, their network accounts, and the anonymous actors.

Consent is structural here: only a ``Member`` can own a ``NetworkAccount``; people who never
joined exist only as an ``AnonymousActor`` (a keyed hash, no name, no profile, no score).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from scoring.networks import SLUG_RE, network_for

network_slug_validator = RegexValidator(
    SLUG_RE, "A network is a lower-case slug: letters, digits, '_' or '-', 2 to 32 characters."
)


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private: only I see my score"
    BRANDS = "brands", "Visible to brands, for perk eligibility"
    PUBLIC = "public", "Public: anyone can see my score"


# The visibilities that let brands see a member's score (and so make them eligible).
VISIBLE_TO_BRANDS = (Visibility.BRANDS, Visibility.PUBLIC)


class Member(models.Model):
    """A person who signed up. Scored only while ``opted_in_at`` is set.

    Demo members (``is_demo``) are generated for demos and benchmarks and have no login.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="member",
    )
    display_name = models.CharField(max_length=80, blank=True)
    opted_in_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member agreed to be scored; empty means not."
    )
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    is_demo = models.BooleanField(
        default=False, help_text="Generated for demos and benchmarks; not a real person."
    )
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Names the public profile."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(is_demo=True),
                name="member_has_user_unless_demo",
            ),
        ]
        indexes = [
            models.Index(
                fields=["opted_in_at"],
                name="member_opted_in_idx",
                condition=Q(opted_in_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or (self.user.email if self.user_id else f"member {self.pk}")

    @property
    def is_opted_in(self) -> bool:
        return self.opted_in_at is not None


class ConsentEvent(models.Model):
    """Every opt-in and opt-out, with its time, for the member's own record."""

    class Kind(models.TextChoices):
        OPT_IN = "opt_in", "Opted in to scoring"
        OPT_OUT = "opt_out", "Opted out of scoring"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consent_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class NetworkAccount(models.Model):
    """A member's account on one network. One member, many networks; one owner per account."""

    class Source(models.TextChoices):
        OAUTH = "oauth", "Connected by logging in with the network"
        SESSION = "session", "Connected by signing in to the network (app password)"
        SITE = "site", "Proven by a one-time code placed on the site"
        ARCHIVE = "archive", "Added from an archive whose own account record names it"
        IMPORT = "import", "Typed in with an archive upload (not proven)"
        DEMO = "demo", "Generated demo account"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="network_accounts")
    network = models.CharField(max_length=32, validators=[network_slug_validator])
    external_id = models.CharField(max_length=191)
    handle = models.CharField(max_length=191, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_id"], name="network_account_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_label}: {self.handle or self.external_id}"

    @property
    def network_label(self) -> str:
        return network_for(self.network).label

    @property
    def network_reads(self) -> str:
        """What Klout Fair reads of this account, in words."""
        return network_for(self.network).reads

    # How strongly each source shows the account is the member's: a stronger proof takes the
    # account over from a weaker one. Logging in with the network, signing in to it or a code
    # only the site's owner could publish is proof; an archive's account.js is evidence (a
    # file can be edited); an id typed with an upload (before archives had to carry their
    # account record) or a demo is none.
    PROOF_RANK = {"oauth": 2, "session": 2, "site": 2, "archive": 1, "import": 0, "demo": 0}

    @classmethod
    def outranks(cls, source: str, held: str) -> bool:
        """Whether a connection by ``source`` takes the account over from ``held``."""
        return cls.PROOF_RANK.get(source, 0) > cls.PROOF_RANK.get(held, 0)


class AnonymousActor(models.Model):
    """Someone who acted on a member's content but is not a member (or has left).

    Only a keyed hash of (network, external id) is kept: enough to count distinct people and
    to recognise the same person again, never a name, a profile or a score.
    """

    network = models.CharField(max_length=32, validators=[network_slug_validator])
    key_hash = models.UUIDField(unique=True)

    def __str__(self) -> str:
        return f"anonymous {self.network} actor {str(self.key_hash)[:8]}"

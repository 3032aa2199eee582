"""Create the demo: a staff user, a brand user, a member, and a demo data set.

Safe to run again: users are left as they are, and the data set is imported only once.
"""

from __future__ import annotations

import time

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaigns.models import Brand
from campaigns.services import brand_create
from scoring import demo
from scoring.ingest.synthetic import SyntheticSpec
from scoring.selectors import latest_run
from scoring.services import member_for_user, member_opt_in, member_update
from scoring.services.runs.execute import score_run

# Demo credentials: printed on purpose, refused in production.
DEMO_USERS = (
    ("staff@example.com", "staff-demo-pass", "staff"),
    ("brand@example.com", "brand-demo-pass", "brand"),
    ("member@example.com", "member-demo-pass", "member"),
)


DEMO_PERSONA = "ana"  # a persona of the topic evaluation with several topics


class Command(BaseCommand):
    help = "Create demo users and a demo data set (Higgs log when present, else synthetic)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            default=str(settings.BASE_DIR.parent / "shared" / "data" / "higgs-twitter"),
            help="Folder or file of the SNAP Higgs activity log; synthetic data when absent.",
        )
        parser.add_argument("--synthetic", action="store_true", help="Ignore the Higgs log.")
        defaults = SyntheticSpec()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--people", type=int, default=defaults.n_people)
        parser.add_argument("--members", type=int, default=defaults.n_members)
        parser.add_argument("--actions", type=int, default=defaults.n_actions)

    def handle(self, *args, data: str, synthetic: bool, **options):
        spec = SyntheticSpec(
            seed=options["seed"],
            n_people=options["people"],
            n_members=options["members"],
            n_actions=options["actions"],
        )
        if not 1 <= spec.n_members < spec.n_people:
            raise CommandError("--members must be at least 1 and fewer than --people.")
        if settings.IS_PRODUCTION:
            raise CommandError("seed_demo creates users with known passwords: not in production.")
        users = {role: self._user(email, password, role) for email, password, role in DEMO_USERS}
        member = member_for_user(user=users["member"])
        member_opt_in(member=member)
        member_update(member=member, visibility="brands")
        if not Brand.objects.filter(memberships__user=users["brand"]).exists():
            brand_create(name="Demo Coffee Roasters", owner=users["brand"])
        self._data(None if synthetic else demo.find_higgs(data), spec)
        account = demo.demo_member_take_account(member=member)
        if account is not None:
            self.stdout.write(f"member@example.com holds the demo account {account}.")
        self._topics(member)
        if latest_run() is None:
            run = score_run()
            self.stdout.write(
                f"Score run {run.pk}: {run.members_scored:,} members ({run.get_status_display()})."
            )
        self._campaign(users)
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in as:"))
        for email, password, role in DEMO_USERS:
            self.stdout.write(f"  {role:<7} {email:<22} password: {password}")

    def _user(self, email: str, password: str, role: str):
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    username=email.split("@")[0],
                    email=email,
                    password=password,
                    is_staff=role == "staff",
                    is_superuser=role == "staff",
                )
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        return user

    def _campaign(self, users) -> None:
        """A live demo campaign with a code perk, made through the services (once)."""
        from datetime import timedelta

        from django.utils import timezone

        from campaigns.models import Campaign
        from campaigns.services.campaigns import (
            campaign_approve,
            campaign_create,
            campaign_fund_by_invoice,
            campaign_submit,
        )
        from perks.services.perks import perk_codes_upload, perk_create
        from scoring.models import Topic

        brand = Brand.objects.filter(memberships__user=users["brand"]).first()
        if brand is None or Campaign.objects.filter(brand=brand).exists():
            return
        now = timezone.now()
        coffee = Topic.objects.filter(slug="coffee").first()
        campaign = campaign_create(
            brand=brand,
            user=users["brand"],
            name="Demo tasting",
            description="Single-origin beans for members whose coffee posts get people talking.",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=60),
            budget_cents=250_000,
            inclusion_share_percent=20,
            topics=[(coffee, 1)] if coffee else [],
        )
        campaign_fund_by_invoice(campaign=campaign, staff_user=users["staff"], reference="DEMO-1")
        campaign_submit(campaign=campaign, user=users["brand"])
        campaign_approve(campaign=campaign, staff_user=users["staff"], note="Demo.")
        perk = perk_create(
            campaign=campaign,
            user=users["brand"],
            title="A bag of single-origin beans",
            description="250 g, roasted this week.",
            kind="code",
            quantity=25,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=30),
            value_cents=1_500,
        )
        codes = "\n".join(f"DEMO-BEANS-{i:03d}" for i in range(25)).encode()
        perk_codes_upload(perk=perk, user=users["brand"], data=codes)
        self.stdout.write(f"Live demo campaign {campaign.name!r} with the perk {perk.title!r}.")

    def _topics(self, member) -> None:
        loaded = demo.demo_topics_load()
        if loaded is not None:
            self.stdout.write(f"Topic tree loaded: {loaded.created} topics.")
        personas = demo.demo_personas_import()
        persona = demo.demo_member_take_persona(member=member, persona=DEMO_PERSONA)
        self.stdout.write(
            f"{personas} demo personas with topics (public profiles)"
            + (f"; member@example.com also holds {persona}." if persona else ".")
        )

    def _data(self, higgs, spec: SyntheticSpec) -> None:
        if demo.demo_data_present():
            self.stdout.write("Demo data set already present; not imported again.")
            return
        started = time.perf_counter()
        self.stdout.write(f"Importing the demo data set ({'Higgs' if higgs else 'synthetic'})...")
        label, summary = demo.demo_actions_import(higgs=higgs, spec=spec)
        self.stdout.write(
            f"{label}: read {summary.read:,}, stored {summary.stored:,}, "
            f"duplicates {summary.duplicates:,}, demo members {summary.demo_members_created:,} "
            f"in {time.perf_counter() - started:.1f}s."
        )

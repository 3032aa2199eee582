"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from campaigns.models import Brand, BrandMembership, BrandRole
from scoring.models import Action, ActionKind, Content, Member, MemberTopicScore, NetworkAccount

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Member {n}")


class OptedInMemberFactory(MemberFactory):
    opted_in_at = factory.LazyFunction(lambda: datetime(2026, 1, 1, tzinfo=UTC))


class NetworkAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkAccount

    member = factory.SubFactory(OptedInMemberFactory)
    network = "twitter"
    external_id = factory.Sequence(lambda n: str(9_000_000 + n))
    handle = factory.Sequence(lambda n: f"handle{n}")
    source = NetworkAccount.Source.OAUTH


class ContentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Content

    account = factory.SubFactory(NetworkAccountFactory)
    external_id = factory.Sequence(lambda n: f"post-{n}")
    text = "Morning #running club"
    tags = factory.LazyFunction(lambda: ["running"])


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    subject = factory.SubFactory(NetworkAccountFactory)
    network = factory.SelfAttribute("subject.network")
    kind = ActionKind.SHARE
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 5, 1, tzinfo=UTC))
    dedupe_key = factory.LazyFunction(uuid.uuid4)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class BrandMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    brand = factory.SubFactory(BrandFactory)
    user = factory.SubFactory(UserFactory)
    role = BrandRole.MANAGER


class MemberTopicScoreFactory(factory.django.DjangoModelFactory):
    """A topic score over the evidence bar, as a run stores it (give run, member, topic)."""

    class Meta:
        model = MemberTopicScore

    score = 50
    true_reach = 3
    amplification = 3
    network_impact = 3
    raw = 1
    posts = 2
    people = 3
    actions = 3

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.conf import settings
from django.urls import reverse

from scoring.errors import InvalidNetwork, LastLoginMethod, NetworkAccountTaken
from scoring.ingest.records import actor_key
from scoring.models import Action, AnonymousActor, Content, NetworkAccount
from scoring.services import network_account_connect, network_account_disconnect
from tests.factories import (
    ActionFactory,
    ContentFactory,
    NetworkAccountFactory,
    OptedInMemberFactory,
)

pytestmark = pytest.mark.django_db


def test_network_account_connect_new_account_links_to_member(opted_in_member):
    account = network_account_connect(
        member=opted_in_member, network="instagram", external_id="42", handle="me"
    )

    assert account.member == opted_in_member
    assert account.network_label == "Instagram"


def test_network_account_connect_generic_network_slug_accepted(opted_in_member):
    account = network_account_connect(member=opted_in_member, network="mastodon", external_id="x1")
    assert account.network_label == "Mastodon"


@pytest.mark.parametrize("network", ["", "Twitter", "a", "has space", "x" * 40])
def test_network_account_connect_bad_slug_raises(opted_in_member, network):
    with pytest.raises(InvalidNetwork):
        network_account_connect(member=opted_in_member, network=network, external_id="1")
    assert not NetworkAccount.objects.exists()


def test_network_account_connect_same_member_twice_is_idempotent(opted_in_member):
    first = network_account_connect(member=opted_in_member, network="twitter", external_id="7")
    second = network_account_connect(member=opted_in_member, network="twitter", external_id="7")
    assert first.pk == second.pk


def test_network_account_connect_taken_by_other_member_raises(opted_in_member):
    NetworkAccountFactory(network="twitter", external_id="7")

    with pytest.raises(NetworkAccountTaken):
        network_account_connect(member=opted_in_member, network="twitter", external_id="7")


def test_network_account_connect_relinks_anonymous_actions_of_that_person(opted_in_member):
    other = NetworkAccountFactory()
    anonymous = AnonymousActor.objects.create(
        network="twitter", key_hash=actor_key(settings.ACTOR_HASH_KEY, "twitter", "555")
    )
    action = ActionFactory(subject=other, actor_anonymous=anonymous)

    account = network_account_connect(member=opted_in_member, network="twitter", external_id="555")

    action.refresh_from_db()
    assert action.actor_account == account
    assert action.actor_anonymous is None


def test_network_account_disconnect_removes_its_posts_and_actions_received(account):
    kept_account = NetworkAccountFactory(member=account.member, network="linkedin")
    post = ContentFactory(account=account)
    ActionFactory.create_batch(3, subject=account, content=post)
    kept = ActionFactory(subject=kept_account)

    network_account_disconnect(account=account)

    assert not NetworkAccount.objects.filter(pk=account.pk).exists()
    assert not Content.objects.filter(pk=post.pk).exists()
    assert list(Action.objects.values_list("pk", flat=True)) == [kept.pk]


def test_network_account_disconnect_actions_taken_stay_as_unlinkable_anonymous(account):
    other = NetworkAccountFactory()
    taken = ActionFactory.create_batch(2, subject=other, actor_account=account)

    network_account_disconnect(account=account)

    actors = {a.actor_anonymous for a in Action.objects.filter(pk__in=[t.pk for t in taken])}
    assert len(actors) == 1 and None not in actors  # still one person, counted for `other`
    # ... but not the keyed hash of the account: nobody can link it back, not even on return.
    actor = actors.pop()
    keyed = actor_key(settings.ACTOR_HASH_KEY, account.network, account.external_id)
    assert actor.key_hash.hex != keyed
    again = network_account_connect(
        member=OptedInMemberFactory(), network=account.network, external_id=account.external_id
    )
    assert not Action.objects.filter(actor_account=again).exists()


def test_network_account_disconnect_without_actions_taken_creates_no_actor(account):
    network_account_disconnect(account=account)
    assert not AnonymousActor.objects.exists()


def test_network_account_disconnect_only_login_without_password_is_refused(opted_in_member):
    user = opted_in_member.user
    user.set_unusable_password()
    user.save()
    social = SocialAccount.objects.create(user=user, provider="facebook", uid="77", extra_data={})
    social_account_added.send(sender=SocialAccount, request=None, sociallogin=_Login(social))
    account = NetworkAccount.objects.get(member=opted_in_member)

    with pytest.raises(LastLoginMethod, match="set a password first"):
        network_account_disconnect(account=account)

    assert NetworkAccount.objects.filter(pk=account.pk).exists()
    assert SocialAccount.objects.filter(pk=social.pk).exists()


def test_network_disconnect_view_other_members_account_is_404(member_client):
    stranger = NetworkAccountFactory()

    response = member_client.post(reverse("network_disconnect", args=[stranger.pk]))

    assert response.status_code == 404
    assert NetworkAccount.objects.filter(pk=stranger.pk).exists()


def test_network_disconnect_view_own_account_is_gone_from_dashboard(member_client, account):
    ActionFactory(subject=account)

    member_client.post(reverse("network_disconnect", args=[account.pk]), follow=True)

    body = member_client.get(reverse("dashboard")).content.decode()
    assert account.handle not in body
    assert "No actions on your content yet" in body


class _Login:
    """The part of allauth's SocialLogin the signals and adapter read."""

    def __init__(self, account):
        self.account = account
        self.user = account.user


def test_social_account_added_signal_links_network_account(opted_in_member):
    social = SocialAccount.objects.create(
        user=opted_in_member.user,
        provider="twitter_oauth2",
        uid="31337",
        extra_data={"username": "jack"},
    )

    social_account_added.send(sender=SocialAccount, request=None, sociallogin=_Login(social))

    account = NetworkAccount.objects.get(member=opted_in_member)
    assert (account.network, account.external_id, account.handle) == ("twitter", "31337", "jack")
    assert account.source == NetworkAccount.Source.OAUTH


def test_social_account_removed_signal_disconnects_network(opted_in_member):
    social = SocialAccount.objects.create(
        user=opted_in_member.user, provider="facebook", uid="99", extra_data={}
    )
    social_account_added.send(sender=SocialAccount, request=None, sociallogin=_Login(social))
    assert NetworkAccount.objects.filter(member=opted_in_member, network="facebook").exists()

    social_account_removed.send(sender=SocialAccount, request=None, socialaccount=social)

    assert not NetworkAccount.objects.filter(member=opted_in_member).exists()


def test_network_account_disconnect_removes_social_login_link(opted_in_member):
    social = SocialAccount.objects.create(
        user=opted_in_member.user, provider="linkedin", uid="abc", extra_data={}
    )
    social_account_added.send(sender=SocialAccount, request=None, sociallogin=_Login(social))
    account = NetworkAccount.objects.get(member=opted_in_member)

    network_account_disconnect(account=account)

    assert not SocialAccount.objects.filter(pk=social.pk).exists()


def test_other_members_data_untouched_by_disconnect(account):
    bystander = OptedInMemberFactory()
    theirs = NetworkAccountFactory(member=bystander)
    received = ActionFactory(subject=theirs)

    network_account_disconnect(account=account)

    assert Action.objects.filter(pk=received.pk).exists()


def test_social_login_for_account_held_by_other_member_is_refused_before_saving(rf, member):
    from allauth.core.exceptions import ImmediateHttpResponse
    from django.contrib.messages import get_messages
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    from scoring.adapters import SocialAccountAdapter

    NetworkAccountFactory(network="twitter", external_id="4242")
    request = rf.get("/accounts/twitter_oauth2/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = member.user
    social = SocialAccount(user=member.user, provider="twitter_oauth2", uid="4242")

    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter(request).pre_social_login(request, _Login(social))

    assert refused.value.response["Location"] == reverse("member_settings")
    assert "already connected to another member" in str(list(get_messages(request))[0])
    assert not NetworkAccount.objects.filter(member=member).exists()


def test_archive_claim_does_not_inherit_anonymous_actions_and_yields_to_oauth_owner(
    opted_in_member,
):
    """An id given with an archive upload is a claim without proof: it gets none of that
    person's history, and the real owner logging in with the network takes it over."""
    other = NetworkAccountFactory()
    key = actor_key(settings.ACTOR_HASH_KEY, "twitter", "777")
    anonymous = AnonymousActor.objects.create(network="twitter", key_hash=key)
    their_like = ActionFactory(subject=other, actor_anonymous=anonymous)
    claimer = OptedInMemberFactory()

    claimed = network_account_connect(
        member=claimer, network="twitter", external_id="777", source=NetworkAccount.Source.IMPORT
    )
    their_like.refresh_from_db()
    assert their_like.actor_anonymous == anonymous  # not handed to the claimer

    owner = network_account_connect(member=opted_in_member, network="twitter", external_id="777")
    their_like.refresh_from_db()
    assert owner.member == opted_in_member
    assert not NetworkAccount.objects.filter(pk=claimed.pk).exists()
    assert their_like.actor_account == owner


def test_proven_account_cannot_be_claimed_by_archive(opted_in_member):
    network_account_connect(member=opted_in_member, network="twitter", external_id="888")
    with pytest.raises(NetworkAccountTaken):
        network_account_connect(
            member=OptedInMemberFactory(),
            network="twitter",
            external_id="888",
            source=NetworkAccount.Source.IMPORT,
        )


def test_own_archive_claim_becomes_proven_when_the_member_logs_in_with_it(opted_in_member):
    other = NetworkAccountFactory()
    key = actor_key(settings.ACTOR_HASH_KEY, "twitter", "999")
    anonymous = AnonymousActor.objects.create(network="twitter", key_hash=key)
    earlier = ActionFactory(subject=other, actor_anonymous=anonymous)
    claimed = network_account_connect(
        member=opted_in_member,
        network="twitter",
        external_id="999",
        source=NetworkAccount.Source.IMPORT,
    )

    proven = network_account_connect(member=opted_in_member, network="twitter", external_id="999")

    earlier.refresh_from_db()
    assert proven.pk == claimed.pk and proven.source == NetworkAccount.Source.OAUTH
    assert earlier.actor_account == proven

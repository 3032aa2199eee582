from __future__ import annotations

import pytest
from django.urls import reverse

from scoring.errors import InvalidVisibility
from scoring.models import ConsentEvent, Visibility
from scoring.services import member_opt_in, member_opt_out, member_update
from tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db


def test_member_opt_in_not_opted_in_stores_time_and_event(member):
    assert not member.is_opted_in

    member = member_opt_in(member=member)

    assert member.opted_in_at is not None
    events = list(member.consent_events.values_list("kind", "occurred_at"))
    assert events == [(ConsentEvent.Kind.OPT_IN, member.opted_in_at)]


def test_member_opt_in_twice_keeps_first_time(member):
    first = member_opt_in(member=member).opted_in_at
    second = member_opt_in(member=member).opted_in_at

    assert first == second
    assert member.consent_events.count() == 1


def test_member_opt_out_opted_in_clears_and_records(opted_in_member):
    member = member_opt_out(member=opted_in_member)

    member.refresh_from_db()
    assert member.opted_in_at is None
    assert list(member.consent_events.values_list("kind", flat=True)) == ["opt_out"]
    # Opting out twice records nothing more.
    member_opt_out(member=member)
    assert member.consent_events.count() == 1


def test_member_update_unknown_value_raises_and_changes_nothing(member):
    with pytest.raises(InvalidVisibility, match="Unknown visibility 'everyone'"):
        member_update(member=member, visibility="everyone")
    member.refresh_from_db()
    assert member.visibility == Visibility.PRIVATE


def test_consent_view_next_elsewhere_is_not_followed(client, member):
    client.force_login(member.user)

    response = client.post(
        reverse("consent_opt_in"), {"opt_in": "on", "next": "https://evil.example/x"}
    )

    assert response["Location"] == reverse("member_settings")


def test_consent_view_next_on_this_site_is_followed(client, member):
    client.force_login(member.user)

    response = client.post(reverse("consent_opt_in"), {"opt_in": "on", "next": "/dashboard/"})

    assert response["Location"] == "/dashboard/"


def test_consent_view_without_tick_does_not_opt_in(client, member):
    client.force_login(member.user)

    response = client.post(reverse("consent_opt_in"), {}, follow=True)

    member.refresh_from_db()
    assert member.opted_in_at is None
    assert "nothing is scored without it" in response.content.decode()


def test_consent_view_with_tick_opts_in(client, member):
    client.force_login(member.user)

    client.post(reverse("consent_opt_in"), {"opt_in": "on"})

    member.refresh_from_db()
    assert member.opted_in_at is not None


def test_consent_opt_out_view_opts_out(member_client):
    member_client.post(reverse("consent_opt_out"))

    member_client.member.refresh_from_db()
    assert member_client.member.opted_in_at is None


def test_visibility_view_changes_visibility(member_client):
    member_client.post(reverse("visibility_change"), {"visibility": "public"})

    member_client.member.refresh_from_db()
    assert member_client.member.visibility == Visibility.PUBLIC


def test_visibility_view_bad_value_changes_nothing(member_client):
    response = member_client.post(reverse("visibility_change"), {"visibility": "x"}, follow=True)

    member_client.member.refresh_from_db()
    assert member_client.member.visibility == Visibility.PRIVATE
    assert "Choose one of the visibility options" in response.content.decode()


def test_member_pages_anonymous_redirect_to_login(client):
    for name in ("dashboard", "member_settings", "data_export", "account_delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_dashboard_not_opted_in_offers_consent_and_shows_no_score(client, member):
    client.force_login(member.user)

    body = client.get(reverse("dashboard")).content.decode()

    assert "You are not scored" in body
    assert "No score exists for you" in body


def test_settings_page_renders_for_member(member_client, account, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = member_client.get(reverse("member_settings"))
    assert response.status_code == 200
    assert account.handle in response.content.decode()


def test_profile_view_saves_display_name(member_client):
    member_client.post(reverse("profile_change"), {"display_name": "Grace  Hopper"})

    member_client.member.refresh_from_db()
    assert member_client.member.display_name == "Grace Hopper"


def test_profile_view_too_long_name_changes_nothing(member_client):
    before = member_client.member.display_name
    response = member_client.post(
        reverse("profile_change"), {"display_name": "x" * 81}, follow=True
    )
    member_client.member.refresh_from_db()
    assert member_client.member.display_name == before
    assert "Display name: Ensure this value has at most 80 characters" in response.content.decode()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_opt_out_while_a_run_is_finishing_keeps_no_score():
    """A run has passed its consent check and holds the score lock; the member opts out
    now. The opt-out waits for the run's commit and deletes the run's new row too."""
    import threading
    import time

    from django.db import connection, transaction
    from django.utils import timezone

    from scoring.models import AlgorithmVersion, MemberScore, ScoreRun
    from scoring.services.visibility import run_scores_visibility_set
    from tests.factories import OptedInMemberFactory

    member = OptedInMemberFactory()
    version = AlgorithmVersion.objects.create(name="v-consent", description="", parameters={})
    run = ScoreRun.objects.create(
        version=version, status=ScoreRun.Status.RUNNING, as_of=timezone.now()
    )
    opt_out_done, seen = threading.Event(), []

    def run_finishing():
        try:
            with transaction.atomic():
                MemberScore.objects.create(
                    run=run,
                    member=member,
                    score=40,
                    true_reach=1,
                    amplification=1,
                    network_impact=1,
                    raw=1,
                )
                run_scores_visibility_set(run=run)
                started.set()
                time.sleep(0.5)  # the opt-out arrives meanwhile
                seen.append(opt_out_done.is_set())  # False: the opt-out is waiting
        finally:
            connection.close()

    def opting_out():
        try:
            started.wait(5)
            member_opt_out(member=member)
            opt_out_done.set()
        finally:
            connection.close()

    started = threading.Event()
    threads = [threading.Thread(target=run_finishing), threading.Thread(target=opting_out)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert opt_out_done.is_set() and seen == [False]
    assert not MemberScore.objects.filter(member=member).exists()

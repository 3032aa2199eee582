"""Finding people: public profiles by display name or network handle, never anyone else."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.models import AlgorithmVersion, Member, MemberScore, ScoreRun, Visibility
from scoring.selectors.people import people_search
from scoring.selectors.topics import public_profile
from tests.factories import MemberFactory, NetworkAccountFactory, OptedInMemberFactory

pytestmark = pytest.mark.django_db
URL = reverse("people_search")


def _person(name: str, handle: str = "", *, visibility=Visibility.PUBLIC, opted_in=True) -> Member:
    factory = OptedInMemberFactory if opted_in else MemberFactory
    member = factory(display_name=name, visibility=visibility)
    if handle:
        NetworkAccountFactory(member=member, network="bluesky", handle=handle)
    return member


def _names(page: str) -> list[str]:
    return re.findall(r'<h3><a href="/people/[0-9a-f-]+/">([^<]+)</a>', page)


@pytest.fixture
def live_run(db) -> ScoreRun:
    version, _ = AlgorithmVersion.objects.get_or_create(
        is_active=True, defaults={"name": "v-people", "description": "", "parameters": {}}
    )
    return ScoreRun.objects.create(version=version, status="complete", as_of=timezone.now())


@pytest.fixture
def searcher(client):
    client.force_login(OptedInMemberFactory(display_name="Searcher").user)
    return client


def _search(client, q: str, **params) -> str:
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_people_search_public_member_found_by_name_any_case(searcher):
    _person("Ada Lovelace", "ada.bsky.social")
    _person("Grace Hopper")

    page = _search(searcher, "lOVElace")

    assert _names(page) == ["Ada Lovelace"] and "ada.bsky.social" in page
    assert "1 public profile matching" in page


@pytest.mark.parametrize("q", ["ada.bsky", "@ADA.bsky.social", "Bsky.Soc"])
def test_people_search_public_member_found_by_handle(searcher, q):
    _person("Countess", "ada.bsky.social")

    assert _names(_search(searcher, q)) == ["Countess"]


def test_people_search_mastodon_handle_with_or_without_the_at(searcher):
    member = _person("Tooter")
    NetworkAccountFactory(member=member, network="mastodon", handle="@toot@mastodon.example")

    assert _names(_search(searcher, "@toot@mastodon")) == ["Tooter"]
    assert _names(_search(searcher, "toot@mastodon")) == ["Tooter"]


@pytest.mark.parametrize(
    ("visibility", "opted_in"),
    [
        (Visibility.PRIVATE, True),
        (Visibility.BRANDS, True),
        (Visibility.PUBLIC, False),  # public but not scored: no public profile either
    ],
)
def test_people_search_never_finds_a_member_without_a_public_profile(
    searcher, visibility, opted_in
):
    _person("Hidden Person", "hidden.handle", visibility=visibility, opted_in=opted_in)

    for q in ("Hidden", "hidden.hand"):  # the page echoes the query: search for a part
        page = _search(searcher, q)
        assert "Hidden Person" not in page and "hidden.handle" not in page
        assert "No public profile matches" in page


MIXES = st.lists(
    st.tuples(st.sampled_from(list(Visibility)), st.booleans(), st.booleans()),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mix=MIXES)
def test_people_search_finds_exactly_the_public_profiles(searcher, mix):
    """Whatever the mix of visibilities, opt-ins and matching by name or by handle, the
    search finds exactly the members whose profile page is public, and the page names no
    one else, nor any other handle."""
    with transaction.atomic():
        people = []
        for i, (visibility, opted_in, by_handle) in enumerate(mix):
            name, handle = (f"Person {i}", f"zed{i}.example") if by_handle else (f"Zed {i}", "")
            people.append(_person(name, handle, visibility=visibility, opted_in=opted_in))

        found = set(people_search(query="zed").values_list("pk", flat=True))
        page = _search(searcher, "ZED")

        public = {m.pk for m in people if public_profile(public_id=m.public_id) is not None}
        assert found == public
        for member in people:
            handles = [a.handle for a in member.network_accounts.all()]
            shown = member.pk in public
            assert (member.display_name in _names(page)) == shown
            assert all((handle in page) == shown for handle in handles)
        transaction.set_rollback(True)


def test_people_search_pages_of_25_keep_the_query(searcher):
    for i in range(30):
        _person(f"Runner {i:02d}", f"runner{i:02d}.example")

    first = _search(searcher, "runner")
    second = _search(searcher, "runner", page=2)

    assert len(_names(first)) == 25 and len(_names(second)) == 5
    assert "30 public profiles matching" in first and "Page 1 of 2" in first
    assert 'href="?q=runner&amp;page=2" rel="next"' in first
    assert 'href="?q=runner&amp;page=1" rel="prev"' in second
    assert _names(first)[0] == "Runner 00" and _names(second)[-1] == "Runner 29"


def test_people_search_query_count_is_bounded(searcher, live_run, django_assert_max_num_queries):
    for i in range(40):
        member = _person(f"Walker {i:02d}", f"walker{i:02d}.example")
        NetworkAccountFactory(member=member, network="mastodon", handle=f"@walker{i}@m.example")
        MemberScore.objects.create(
            run=live_run,
            member=member,
            score=i + 1,
            true_reach=1,
            amplification=1,
            network_impact=1,
            raw=1,
        )

    with django_assert_max_num_queries(7):
        page = _search(searcher, "walker")

    assert "Score 1<" in page and "@walker0@m.example" in page and len(_names(page)) == 25


def test_people_search_too_long_query_is_refused_next_to_the_field(searcher):
    _person("Ada Lovelace")

    for q in ("a" * 101, "Ada " * 1500):
        page = _search(searcher, q)
        assert "Search for at most 100 characters" in page and 'aria-invalid="true"' in page
        assert _names(page) == [] and "No public profile matches" not in page

    assert _names(_search(searcher, "a" * 100)) == []  # 100 is allowed: it runs, finds none


def test_people_search_empty_and_blank_queries_list_nobody(searcher):
    _person("Ada Lovelace")

    for q in ("", "   "):
        page = _search(searcher, q)
        assert _names(page) == [] and "Find someone's public profile" in page


def test_people_search_no_match_says_what_to_try(searcher):
    page = _search(searcher, "nobody-like-this")

    assert "No public profile matches “nobody-like-this”" in page and "Try:" in page


def test_people_search_form_is_labelled_and_in_the_nav(searcher):
    page = _search(searcher, "")

    assert '<label for="people-q">Name or handle</label>' in page and 'id="people-q"' in page
    assert '<button type="submit">Search</button>' in page and 'role="search"' in page
    assert f'<a href="{URL}" aria-current="page">People</a>' in page


def test_people_search_needs_a_login(client):
    response = client.get(URL, {"q": "ada"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

"""The keyed hashes that name people who are not members: stable from release to release
(re-importing a file must find the same actors and actions), keyed, and distinct."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from scoring.ingest.records import ActionRecord, actor_key, cohort_key, dedupe_key, keyed_hash

# Text as read from a UTF-8 file: no lone surrogates; no unit separator (it joins the parts).
ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1f"),
    min_size=1,
    max_size=20,
)


def test_an_actors_hash_is_the_one_stored_by_earlier_releases():
    # Computed once with the first release's code; a change here would make every
    # re-import store its actors and actions a second time.
    assert actor_key("test-key", "twitter", "12345") == "0e5cda28e34d41d1aecbd5116d56ee13"


def test_a_cohorts_hash_is_the_one_stored_by_earlier_releases():
    # Computed with the first release's code: actions imported before and after a change
    # must still fall into the same group of accounts created together.
    created = datetime(2012, 7, 4, 9, 30, 15, tzinfo=UTC)
    record = ActionRecord(
        network="twitter",
        actor_id="1",
        subject_id="2",
        kind="share",
        occurred_at=created,
        actor_created_at=created.replace(second=59),  # the same minute
    )
    assert cohort_key("test-key", record) == 2139740354236456322


@given(ids, ids, ids)
def test_hashes_depend_on_the_key_and_on_every_part(key, a, b):
    assert keyed_hash(key, a, b) == keyed_hash(key, a, b)
    assert keyed_hash(key + "x", a, b) != keyed_hash(key, a, b)
    if a != b:
        assert keyed_hash(key, a, b) != keyed_hash(key, b, a)


def test_an_actions_identity_is_its_own_id_when_it_has_one():
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    fields = {"network": "x", "actor_id": "1", "subject_id": "2", "kind": "like"}
    one = ActionRecord(**fields, occurred_at=at)
    same_second = ActionRecord(**fields, occurred_at=at.replace(microsecond=5))
    with_id = ActionRecord(**fields, occurred_at=at, action_id="9")
    assert dedupe_key("k", one) == dedupe_key("k", same_second) != dedupe_key("k", with_id)

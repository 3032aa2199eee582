"""Topics against the database: loading the tree, matching posts, topic scores in the run,
evidence, hide and restore, disputes."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from scoring.errors import DisputeRefused, TopicFileInvalid, TopicNotShown
from scoring.models import ContentTopic, MemberTopicScore, Topic, TopicDispute
from scoring.selectors.topics import member_topic_score, member_topics
from scoring.services import member_opt_out
from scoring.services.runs.execute import score_run_execute, score_run_start
from scoring.services.topics import content_topics_refresh, topics_load
from scoring.services.topics_members import (
    topic_dispute_create,
    topic_dispute_resolve,
    topic_hide,
    topic_restore,
)
from tests.factories import UserFactory
from tests.scoring.topic_world import AS_OF, TREE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calibrate_on_small_runs(settings):
    settings.SCORE_CALIBRATION_MIN_MEMBERS = 1


def run():
    return score_run_execute(run_id=score_run_start(as_of=AS_OF).pk)


def test_topics_load_creates_then_reports_unchanged(tree):
    assert set(tree) == {"marketing", "social-media-marketing", "cuba", "bourbon"}
    assert tree["social-media-marketing"].full_name == "Marketing > Social Media Marketing"
    again = topics_load(data=TREE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda t: t["topics"][0].update(slug="Not A Slug"), "topics[0].slug"),
        (lambda t: t["topics"][2].update(hashtags=["#cuba"]), "topics[2].hashtags[0]"),
        (lambda t: t["topics"][1].update(hashtags=["cuba", "cuba"]), "topics[1]"),
        (lambda t: t["topics"][3].update(name="marketing"), "topics[3]"),
        (
            lambda t: t["topics"][0]["children"][0].update(
                children=[{"slug": "a", "name": "A", "children": [{"slug": "b", "name": "B"}]}]
            ),
            "topics[0].children[0].children[0].children[0]",
        ),
        (lambda t: t["topics"][1].update(keywords="havana"), "topics[1].keywords"),
    ],
)
def test_topics_load_bad_file_names_the_place_and_changes_nothing(tree, change, place):
    before = list(Topic.objects.values_list("slug", "name", "hashtags").order_by("pk"))
    bad = copy.deepcopy(TREE)
    bad["topics"].append({"slug": "new-topic", "name": "New topic"})
    change(bad)
    with pytest.raises(TopicFileInvalid) as error:
        topics_load(data=bad)
    assert place in error.value.message
    assert list(Topic.objects.values_list("slug", "name", "hashtags").order_by("pk")) == before


def test_topics_load_prune_deactivates_topics_not_in_the_file(tree):
    smaller = {"topics": [TREE["topics"][1]]}
    summary = topics_load(data=smaller, prune=True)
    assert summary.deactivated == 3
    assert list(Topic.objects.filter(is_active=True).values_list("slug", flat=True)) == ["cuba"]


def test_load_topics_command_reports_and_refuses_bad_files(tmp_path, capsys):
    good = tmp_path / "topics.json"
    good.write_text(json.dumps(TREE), encoding="utf-8")
    call_command("load_topics", str(good))
    assert "4 created" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text('{"topics": [', encoding="utf-8")
    with pytest.raises(CommandError, match="line 1, column 13"):
        call_command("load_topics", str(broken))


def test_load_topics_command_loads_the_shipped_tree(capsys):
    call_command("load_topics")
    assert Topic.objects.count() >= 250
    depth = max(len(t.ancestors) for t in Topic.objects.select_related("parent__parent"))
    assert depth <= 2 and Topic.objects.filter(parent__isnull=True).count() >= 10


def test_refresh_matches_posts_and_explains_and_rematches_after_an_edit(author, tree):
    assert content_topics_refresh() == 4
    assert content_topics_refresh() == 0  # nothing changed since
    smm = ContentTopic.objects.get(content__text__startswith="Five")
    assert smm.topic.slug == "social-media-marketing"
    assert smm.matched == [["hashtag", "socialmediamarketing"]]
    bourbon = ContentTopic.objects.get(topic__slug="bourbon")
    assert bourbon.matched == [["keyword", "mash bill"], ["keyword", "rickhouse"]]
    cuba = tree["cuba"]
    cuba.aliases = ["sunset"]  # a (bad) edit in the admin: every post is matched again
    cuba.save()
    assert content_topics_refresh() == 4
    assert ContentTopic.objects.filter(topic=cuba).count() == 1


def test_run_stores_only_topics_over_the_evidence_bar_with_ancestors(author):
    done = run()
    assert done.status == "complete"
    rows = {r.topic.slug: r for r in MemberTopicScore.objects.filter(member=author)}
    assert set(rows) == {"social-media-marketing", "marketing"}  # Cuba: one lucky post
    smm = rows["social-media-marketing"]
    assert (smm.posts, smm.people, smm.actions) == (2, 3, 4)
    assert 1 <= smm.score <= 100
    assert rows["marketing"].raw == smm.raw  # the same posts are the parent's evidence


def test_member_topics_lists_evidence_posts_with_their_match(author, django_assert_max_num_queries):
    run()
    with django_assert_max_num_queries(8):
        topics = member_topics(member=author)
    by_slug = {t.topic.slug: t for t in topics}
    smm = by_slug["social-media-marketing"]
    assert [(p.people, p.actions) for p in smm.evidence] == [(2, 2), (2, 2)]
    texts = {p.content.text: p.matched for p in smm.evidence}
    assert texts["Why SMM budgets grow"] == [("alias", "smm")]
    marketing = by_slug["marketing"]
    assert {p.via.slug for p in marketing.evidence} == {"social-media-marketing"}


def test_hide_removes_the_topic_everywhere_and_restore_brings_it_back(author, tree):
    run()
    smm = tree["social-media-marketing"]
    topic_hide(member=author, topic=smm)
    topic_hide(member=author, topic=smm)  # idempotent
    assert "social-media-marketing" not in {t.topic.slug for t in member_topics(member=author)}
    assert member_topic_score(member=author, topic=smm) is None
    mine = {t.topic.slug: t.hidden for t in member_topics(member=author, include_hidden=True)}
    assert mine["social-media-marketing"] is True
    topic_restore(member=author, topic=smm)
    assert member_topic_score(member=author, topic=smm) is not None


def test_opt_out_deletes_topic_scores(author):
    run()
    member_opt_out(member=author)
    assert not MemberTopicScore.objects.filter(member=author).exists()


def test_dispute_rules_and_resolution_hides_and_tells_the_member(
    author, tree, mailoutbox, django_capture_on_commit_callbacks
):
    run()
    smm = tree["social-media-marketing"]
    with pytest.raises(DisputeRefused):
        topic_dispute_create(member=author, topic=smm, reason="no")
    with pytest.raises(TopicNotShown):
        topic_dispute_create(member=author, topic=tree["cuba"], reason="I was on holiday once")
    dispute = topic_dispute_create(member=author, topic=smm, reason="I only sell ads offline.")
    with pytest.raises(DisputeRefused, match="already"):
        topic_dispute_create(member=author, topic=smm, reason="Again, this is wrong.")
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        topic_dispute_resolve(dispute=dispute, upheld=True, response="Agreed.", staff_user=staff)
    dispute.refresh_from_db()
    assert dispute.status == TopicDispute.Status.UPHELD
    assert member_topic_score(member=author, topic=smm) is None
    assert "Agreed." in mailoutbox[-1].body and mailoutbox[-1].to == [author.user.email]
    with pytest.raises(DisputeRefused, match="answered"):
        topic_dispute_resolve(dispute=dispute, upheld=False, response="", staff_user=staff)

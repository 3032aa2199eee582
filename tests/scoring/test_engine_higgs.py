"""The engine on real data: the SNAP Higgs activity log (skipped when it is not there)."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from scoring.engine.graph import graph_from_records
from scoring.engine.model import Actions, Parameters, compute
from scoring.ingest.snap import parse_snap_activity

HIGGS = Path(__file__).resolve().parents[3] / "shared" / "data" / "higgs-twitter"
AS_OF = datetime(2012, 7, 8, tzinfo=UTC)  # the day after the log ends
P = Parameters()

pytestmark = pytest.mark.skipif(not HIGGS.is_dir(), reason=f"the SNAP Higgs data is not at {HIGGS}")


@pytest.fixture(scope="module")
def graph():
    with gzip.open(HIGGS / "higgs-activity_time.txt.gz", "rt") as lines:
        return graph_from_records(parse_snap_activity(lines), now=AS_OF)


@pytest.fixture(scope="module")
def result(graph):
    return compute(graph.actions, n_members=graph.n_members, n_nodes=graph.n_nodes, p=P)


def test_higgs_run_is_deterministic(graph, result):
    again = compute(graph.actions, n_members=graph.n_members, n_nodes=graph.n_nodes, p=P)
    assert np.array_equal(again.raw, result.raw)
    assert graph.n_members == 59_977


def test_higgs_top_scores_are_the_most_engaged_accounts(graph, result):
    """The ten highest scores are among the fifty accounts with most distinct engagers."""
    top_by_score = set(np.argsort(-result.raw, kind="stable")[:10])
    top_by_reach = set(np.argsort(-result.true_reach, kind="stable")[:50])
    assert top_by_score <= top_by_reach
    assert graph.member_ids[int(np.argmax(result.raw))] == "88"  # the most engaged account


def test_higgs_sample_adding_actions_never_lowers_a_score(graph, result):
    """Property 1 and 2 on real data: add a thousand random actions to the log."""
    rng = np.random.default_rng(7)
    a = graph.actions
    n = 1000
    extra = Actions(
        actor=np.concatenate([a.actor, rng.integers(-1, graph.n_nodes, n)]),
        subject=np.concatenate([a.subject, rng.integers(0, graph.n_members, n)]),
        kind=np.concatenate([a.kind, rng.integers(0, 5, n).astype(np.int8)]),
        age_seconds=np.concatenate([a.age_seconds, rng.uniform(0, 7 * 86_400, n)]),
    )
    more = compute(extra, n_members=graph.n_members, n_nodes=graph.n_nodes, p=P)
    assert np.all(more.raw >= result.raw - 1e-9)
    assert np.all(more.network_impact >= result.network_impact - 1e-9)


def test_higgs_a_longer_half_life_never_lowers_scores_of_old_actions(graph, result):
    slower = compute(
        graph.actions,
        n_members=graph.n_members,
        n_nodes=graph.n_nodes,
        p=replace(P, half_life_days=60.0),
    )
    assert np.all(slower.amplification >= result.amplification - 1e-9)

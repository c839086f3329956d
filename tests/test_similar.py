"""Similar past resolutions: case extraction, the FAISS index, syncing with the store, filters,
ranking and erasure."""

from __future__ import annotations

import numpy as np
import pytest

from callqa.models.case_index import CaseIndex
from callqa.pipelines.process import process_batch
from callqa.pipelines.records import PIPELINE_VERSION, StoredCase
from callqa.pipelines.runs import plan_run, store_outcome
from callqa.pipelines.similar import (
    CaseFilter,
    index_path,
    open_index,
    similar_cases,
    similar_to_call,
    sync_index,
)
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store, db_url
from callqa.qa_rules.analysis import analyse_calls, load_analyzer
from tests.conftest import SAMPLES
from tests.helpers import make_transcript


def unit_vectors(n: int, dimension: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("approximate_from", [10_000, 50])  # exact, then IVF
def test_index_adds_queries_removes_and_reloads(tmp_path, approximate_from):
    vectors = unit_vectors(400)
    ids = np.arange(1000, 1400, dtype=np.int64)
    index = CaseIndex.build(ids, vectors, approximate_from=approximate_from)
    assert index.kind == ("exact" if approximate_from > 400 else "approximate (IVF)")
    (best, *_), *_ = index.search(vectors[:1], 3)
    assert best[0] == 1000 and best[1] == pytest.approx(1.0, abs=1e-5)
    assert index.remove(np.array([1000, 99])) == 1
    assert 1000 not in {i for i, _ in index.search(vectors[:1], 5)[0]}
    index.add(np.array([5]), vectors[:1] * 3)  # vectors are normalised on the way in
    path = tmp_path / "cases.faiss"
    index.save(path)
    again = CaseIndex.load(path)
    assert len(again) == 400 and sorted(again.ids().tolist()) == [5, *range(1001, 1400)]
    assert again.search(vectors[:1], 1)[0][0][0] == 5


def test_an_empty_index_answers_nothing():
    index = CaseIndex.empty(8)
    assert index.search(unit_vectors(2, 8), 3) == [[], []] and len(index.ids()) == 0


def test_a_crash_while_saving_leaves_the_old_index_usable(tmp_path, monkeypatch):
    import faiss

    path = tmp_path / "cases.faiss"
    CaseIndex.build(np.arange(3), unit_vectors(3)).save(path)

    def crash(index, name):
        with open(name, "wb") as half_written:
            half_written.write(b"IxM")
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError):
        CaseIndex.build(np.arange(10), unit_vectors(10)).save(path)
    monkeypatch.undo()
    assert len(CaseIndex.load(path)) == 3


@pytest.mark.slow
def test_a_case_quotes_the_issue_and_the_resolution():
    transcript = make_transcript(
        "[0-4] agent: Thank you for calling Harbor Bank, this is Nina. How can I help?",
        "[4-9] customer: I lost my credit card yesterday. I need a new one.",
        "[9-12] agent: I'm sorry to hear that. Could I have your date of birth?",
        "[12-14] customer: July ninth, 1990.",
        "[14-22] agent: I've blocked the lost card and I've ordered a replacement. Does that help?",
        "[22-25] customer: Yes, that's perfect, thank you.",
    )
    (analysis,) = analyse_calls([transcript], load_analyzer())
    case = analysis.case
    assert [e.quote for e in case.issue] == [
        "I lost my credit card yesterday.",
        "I need a new one.",
    ]
    assert any("blocked the lost card" in e.quote for e in case.resolution)
    assert all(e.speaker == "agent" and e.start is not None for e in case.resolution)
    assert case.outcome == "resolved"
    assert np.linalg.norm(case.as_array()) == pytest.approx(1.0, abs=1e-4)

    (silent,) = analyse_calls(
        [make_transcript("agent: Hello?", "agent: Goodbye.")], load_analyzer()
    )
    assert silent.case is None


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    """The bundled sample, processed into a store with its case index."""
    folder = tmp_path_factory.mktemp("similar")
    store = Store(db_url(folder / "callqa.db"))
    sources, _, _ = discover_calls(SAMPLES)
    plan = plan_run(store, sources, PIPELINE_VERSION)
    seen: dict[str, str] = {}
    for outcome in process_batch(plan.todo):
        store_outcome(store, outcome, "run-1", seen)
    sync_index(store, index_path(store.url))
    return store


@pytest.mark.slow
def test_weak_calls_find_a_peer_who_solved_the_same_problem(sample_store):
    index = open_index(index_path(sample_store.url))
    expected = {
        "hvb-0bbbedb4": "hb-20261113-0102",  # lost card: blocked and replaced
        "fl-20261120-0002": "fl-20261115-0104",  # evening drop-outs: Wi-Fi channel moved
        "hb-20261122-0006": "hb-20261112-0101",  # cannot log in: unlocked and reset
        "mt-20261122-0007": "mt-20261116-0105",  # promised credit: applied
    }
    for call_id, peer in expected.items():
        found = similar_to_call(sample_store, index, call_id)
        assert found.similar[0].case.call_id == peer, call_id
        assert found.similar[0].case.resolution, call_id
    for call_id in ("hvb-0bbbedb4", "nw-20261120-0001"):
        for s in similar_to_call(sample_store, index, call_id, k=20).similar:
            assert s.case.outcome == "resolved"
            assert s.similarity >= CaseFilter().min_similarity and s.case.call_id != call_id


@pytest.mark.slow
def test_filters_and_ranking(sample_store):
    index = open_index(index_path(sample_store.url))
    lost_card = sample_store.case_vectors([sample_store.case_of_call("hvb-0bbbedb4").case_id])[1][0]
    loose = CaseFilter(outcome=None, min_score=None, min_similarity=0.0)
    everything = similar_cases(sample_store, index, lost_card, 50, loose)
    assert {"hvb-0bbbedb4"} < {s.case.call_id for s in everything}
    assert all(a.rank >= b.rank for a, b in zip(everything, everything[1:], strict=False))
    for s in everything:
        bonus = 0.1 * (s.case.total or 0) / 100
        assert s.rank == pytest.approx(s.similarity + bonus, abs=1e-3)
    strict = CaseFilter(min_score=95)
    assert all(
        s.case.total >= 95 for s in similar_cases(sample_store, index, lost_card, 50, strict)
    )
    by_queue = CaseFilter(outcome=None, min_score=None, min_similarity=0.0, queue="cards")
    assert {s.case.queue for s in similar_cases(sample_store, index, lost_card, 50, by_queue)} == {
        "cards"
    }
    peers = CaseFilter(exclude_agent="a-nina")
    assert all(
        s.case.agent_id != "a-nina"
        for s in similar_cases(sample_store, index, lost_card, 50, peers)
    )


@pytest.mark.slow
def test_erasure_and_resync_remove_a_case_from_search(sample_store):
    path = index_path(sample_store.url)
    assert sync_index(sample_store, path)["added"] == 0  # already in step: nothing to do
    before = len(open_index(path))
    assert sample_store.forget(["hb-20261113-0102", "no-such-call"]) == ["hb-20261113-0102"]
    assert sync_index(sample_store, path) == {"added": 0, "removed": 1, "total": before - 1}
    found = similar_to_call(sample_store, open_index(path), "hvb-0bbbedb4")
    assert "hb-20261113-0102" not in {s.case.call_id for s in found.similar}
    assert sample_store.case_of_call("hb-20261113-0102") is None


def test_every_resolved_call_is_a_case_whatever_its_score():
    case = StoredCase(case_id=1, call_id="a", outcome="resolved", issue=(), resolution=(),
                      agent_id="x", team=None, queue=None, customer_id=None, started_at=None,
                      total=35.0, auto_failed=False)  # fmt: skip
    assert CaseFilter().admits(case)  # the score ranks cases, it does not exclude them
    assert not CaseFilter(min_score=70).admits(case)  # unless asked
    assert not CaseFilter().admits(case.model_copy(update={"outcome": "unresolved"}))
    assert not CaseFilter().admits(case.model_copy(update={"auto_failed": True}))

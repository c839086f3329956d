"""Discovery, per-call processing, planning and storing: the plain functions under the flow."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callqa.pipelines.process import Limits, ProcessSettings, process_batch, process_call
from callqa.pipelines.records import PIPELINE_VERSION, CallFilter, CallResult, Quarantined
from callqa.pipelines.runs import plan_run, store_outcome
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store

GOOD = "[00:01] Agent: Thank you for calling, how can I help?\n[00:04] Customer: My card broke."


@pytest.fixture
def store(store_url) -> Store:
    return Store(store_url)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_manifest_csv_supplies_metadata_and_reports_missing_files(tmp_path):
    write(tmp_path, "a.txt", GOOD)
    write(
        tmp_path,
        "manifest.csv",
        "file,call_id,agent_id,team,started_at,direction,region\n"
        "a.txt,call-a,ag1,east,2026-11-20T08:00:00+00:00,Inbound,north\n"
        "gone.txt,call-b,ag2,east,,,\n",
    )
    sources, problems, _ = discover_calls(tmp_path)
    (src,) = sources
    assert src.call_id == "call-a" and src.metadata.agent_id == "ag1"
    assert src.metadata.direction == "inbound" and src.metadata.extra == {"region": "north"}
    assert [(p.call_id, p.reason) for p in problems] == [
        ("call-b", "listed in the manifest but not found")
    ]


def test_manifest_jsonl_and_since_filter(tmp_path):
    write(tmp_path, "old.txt", GOOD)
    write(tmp_path, "new.txt", GOOD + " ")
    rows = [
        {"file": "old.txt", "started_at": "2026-01-01T00:00:00"},
        {"file": "new.txt", "started_at": "2026-11-01T00:00:00"},
    ]
    write(tmp_path, "manifest.jsonl", "\n".join(json.dumps(r) for r in rows))
    sources, _, _ = discover_calls(tmp_path, since=datetime(2026, 6, 1, tzinfo=UTC))
    assert [s.call_id for s in sources] == ["new"]


def test_bad_manifest_value_quarantines_that_call(tmp_path):
    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "manifest.csv", "file,direction\na.txt,sideways\n")
    sources, problems, _ = discover_calls(tmp_path)
    assert sources == [] and "direction" in problems[0].reason


HUGE = "\n".join(f"{'Agent' if i % 2 else 'Customer'}: turn {i}" for i in range(10_000))


def test_huge_call_is_quarantined_by_limit(tmp_path):
    (src,) = discover_calls(write(tmp_path, "huge.txt", HUGE))[0]
    out = process_call(src)
    assert out.stage == "read" and "10000 turns (limit 5000)" in out.reason


@pytest.mark.slow
def test_huge_call_is_processed_under_a_raised_limit(tmp_path):
    (src,) = discover_calls(write(tmp_path, "huge.txt", HUGE))[0]
    settings = ProcessSettings(limits=Limits(max_turns=20_000))
    assert isinstance(process_call(src, settings), CallResult)


def test_file_changed_after_discovery_is_not_processed(tmp_path):
    path = write(tmp_path, "a.txt", GOOD)
    (src,) = discover_calls(path)[0]
    path.write_text(GOOD + "\nAgent: bye")
    assert "changed while the run" in process_call(src).reason


def test_metadata_in_file_is_overridden_by_manifest(tmp_path):
    doc = {
        "call_id": "j1",
        "metadata": {"agent_id": "from-file", "team": "t1", "x": "1"},
        "turns": [{"speaker": "agent", "text": "hi"}, {"speaker": "customer", "text": "hello"}],
    }
    write(tmp_path, "j.json", json.dumps(doc))
    write(tmp_path, "manifest.csv", "file,agent_id\nj.json,from-manifest\n")
    (src,) = discover_calls(tmp_path)[0]
    result = process_call(src)
    assert result.call_id == "j1" and result.metadata.agent_id == "from-manifest"
    assert result.metadata.team == "t1" and result.metadata.extra == {"x": "1"}


def run_once(store: Store, folder: Path, run_id: str):
    sources, _, _ = discover_calls(folder)
    plan = plan_run(store, sources, PIPELINE_VERSION)
    seen: dict[str, str] = {}
    return plan, [store_outcome(store, process_call(s), run_id, seen) for s in plan.todo]


def test_rerun_does_no_work_and_same_bytes_are_processed_once(tmp_path, store):
    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "copy-of-a.txt", GOOD)
    write(tmp_path, "bad.json", "{")
    plan, outcomes = run_once(store, tmp_path, "r1")
    assert len(plan.todo) == 2 and plan.unchanged == 0
    (copy,) = plan.skipped  # named, with the file it repeats
    assert copy.path.endswith("copy-of-a.txt") and copy.reason.endswith("a.txt")
    assert sorted(type(o).__name__ for o in outcomes) == ["CallResult", "Quarantined"]
    plan2, outcomes2 = run_once(store, tmp_path, "r2")
    assert plan2.todo == () and plan2.unchanged == 1 and plan2.already_quarantined == 1
    assert [s.path for s in plan2.skipped] == [copy.path]
    assert len(store.list_calls()) == 1 and len(store.list_quarantine()) == 1


def test_duplicate_call_id_with_other_content_is_quarantined(tmp_path, store):
    write(
        tmp_path,
        "x.json",
        json.dumps({"call_id": "same", "turns": [{"speaker": "customer", "text": "hello"}]}),
    )
    write(
        tmp_path,
        "y.json",
        json.dumps({"call_id": "same", "turns": [{"speaker": "customer", "text": "different"}]}),
    )
    _, outcomes = run_once(store, tmp_path, "r1")
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["CallResult", "Quarantined"]
    (dup,) = [o for o in outcomes if type(o).__name__ == "Quarantined"]
    assert "duplicate call id 'same'" in dup.reason and "in this run" in dup.reason
    write(
        tmp_path,
        "z.json",
        json.dumps(
            {"call_id": "same", "turns": [{"speaker": "customer", "text": "third version"}]}
        ),
    )
    _, outcomes = run_once(store, tmp_path, "r2")
    assert [o.reason for o in outcomes if "already stored" in getattr(o, "reason", "")]


def test_store_round_trips_a_call(tmp_path, store, samples):
    (src,) = discover_calls(samples / "fibrelink-evening-dropouts.vtt")[0]
    result = process_call(src)
    store_outcome(store, result, "r1", {})
    call = store.get_call(result.call_id)
    assert call.transcript == result.transcript
    assert call.findings and {f.key for f in call.findings} == {f.key for f in result.findings}
    assert call.metrics["agent_interruptions"] == 2
    assert store.list_calls(CallFilter(agent_id="nobody")) == []


@pytest.mark.slow
def test_a_failing_detector_quarantines_only_its_call(tmp_path, monkeypatch):
    from callqa.qa_rules.behaviours.follow_up import FollowUp

    def broken(self, ctx):
        if "boom" in ctx.transcript.turns[0].text:
            raise RuntimeError("bad input for this detector")
        return []

    monkeypatch.setattr(FollowUp, "detect", broken)
    for name, text in (
        ("ok.txt", "Agent: Hello.\nCustomer: Hi.\n"),
        ("bad.txt", "Agent: boom\nCustomer: Hi.\n"),
    ):
        (tmp_path / name).write_text(text)
    sources, _, _ = discover_calls(tmp_path, None, None)
    results = {r.call_id: r for r in process_batch(sources)}
    assert isinstance(results["ok"], CallResult)
    bad = results["bad"]
    assert isinstance(bad, Quarantined) and bad.stage == "analyse"
    assert "follow_up failed: RuntimeError: bad input for this detector" in bad.reason


def test_audio_files_pair_into_calls_by_the_same_rule_as_a_run(tmp_path):
    from callqa.pipelines.sources import audio_calls

    names = ["a.agent.wav", "a.customer.wav", "b.wav", "c.agent.wav"]
    files = [tmp_path / n for n in names]
    assert audio_calls(files) == {
        "a": [tmp_path / "a.agent.wav", tmp_path / "a.customer.wav"],
        "b": [tmp_path / "b.wav"],
        "c.agent": [tmp_path / "c.agent.wav"],  # no partner: a call of its own, as in a run
    }

"""Hostile input is normal input: ids and paths, links, sizes, YAML and regexes from users, and
faults in one call, never write outside their folders, hang a run or sink the batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from callqa.models.nlp import BLANK, load_nlp, parse
from callqa.pipelines import process as process_module
from callqa.pipelines.cli import app
from callqa.pipelines.erasure import forget_calls
from callqa.pipelines.flow import store_or_quarantine
from callqa.pipelines.locks import RunLocked, run_lock
from callqa.pipelines.paths import UnsafeId, file_in
from callqa.pipelines.process import measure_call, process_batch
from callqa.pipelines.records import PIPELINE_VERSION, CallResult, Quarantined
from callqa.pipelines.runs import plan_run, store_outcome
from callqa.pipelines.similar import index_path, open_index, sync_index
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store, StoreError, db_url
from callqa.pipelines.workspace import Folders
from callqa.qa_rules.rules import Rule, RuleTimeout, _matches
from callqa.qa_rules.yaml_files import YamlFileError, load_yaml
from tests.helpers import lock_held, write_calls

GOOD = "Agent: Thank you for calling, how can I help?\nCustomer: My card is lost.\n"


def callqa_json(call_id: str, agent_id: str = "a-1") -> str:
    return json.dumps({"call_id": call_id, "metadata": {"agent_id": agent_id},
                       "turns": [{"speaker": "agent", "text": "Hello, how can I help?"},
                                 {"speaker": "customer", "text": "My card is lost."}]})  # fmt: skip


# --- ids and paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call_id",
    ["../../../x", "/abs/path/x", "a/b", "..", "bad\x00id", "two\nlines", "x" * 400, " lead"],
)
def test_unsafe_call_ids_in_a_file_are_quarantined(tmp_path, call_id):
    (tmp_path / "c.json").write_text(callqa_json(call_id))
    (source,) = discover_calls(tmp_path).sources
    result = measure_call(source, process_module.ProcessSettings())
    assert isinstance(result, Quarantined) and "is not allowed" in result.reason
    assert "\n" not in result.reason and "\x00" not in result.reason


def test_unsafe_ids_in_a_manifest_are_problems_before_reading(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(GOOD)
    (tmp_path / "manifest.csv").write_text(
        "file,call_id,agent_id\na.txt,../../../x,a-1\nb.txt,b-1,../../evil\nc.txt,c-1,a-2\n"
    )
    found = discover_calls(tmp_path)
    assert [s.call_id for s in found.sources] == ["c-1"]
    reasons = sorted(p.reason for p in found.problems)
    assert "agent id '../../evil' is not allowed" in reasons[0]
    assert "call id '../../../x' is not allowed" in reasons[1]


def test_a_file_name_that_is_no_safe_id_is_named_in_the_problem(tmp_path):
    (tmp_path / "call one.txt").write_text(GOOD)
    (problem,) = discover_calls(tmp_path).problems
    assert "call id 'call one' is not allowed" in problem.reason and "rename" in problem.reason


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "", ".hidden", "x\x00"])
def test_output_paths_stay_inside_their_folder(tmp_path, name):
    with pytest.raises(UnsafeId):
        file_in(tmp_path, name, ".html")


def test_an_output_path_through_a_link_out_is_refused(tmp_path):
    outside = tmp_path / "outside.html"
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "call-1.html").symlink_to(outside)
    with pytest.raises(UnsafeId, match="outside"):
        file_in(folder, "call-1", ".html")
    assert file_in(folder, "call-2", ".html") == (folder / "call-2.html").resolve()


def test_forget_of_unknown_and_hostile_ids_deletes_nothing_and_exits_1(tmp_path):
    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    home = tmp_path / "deep" / "er"
    (home / "callqa-reports" / "calls").mkdir(parents=True)
    db = str(home / "s.db")
    Store(db_url(db))
    for ids in (["../../../victim"], ["nope"], [str(victim.with_suffix(""))]):
        result = CliRunner().invoke(app, ["forget", *ids, "--db", db])
        assert result.exit_code == 1 and "not stored" in result.output
    assert victim.read_text() == "keep me"


# --- links, FIFOs and unknown files ----------------------------------------------------------


def test_links_out_loops_fifos_and_unknown_files_are_skipped_and_named(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Agent: the password is hunter2\n")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "ok.txt").write_text(GOOD)
    (calls / "passwd.txt").symlink_to(secret)
    (calls / "inside.txt").symlink_to(calls / "ok.txt")  # a link within the folder is read
    (calls / "loop.txt").symlink_to(calls / "loop.txt")
    (calls / "out").symlink_to(tmp_path)
    os.mkfifo(calls / "pipe.txt")
    (calls / "notes.docx").write_bytes(b"PK")
    found = discover_calls(calls)
    assert sorted(Path(s.path).name for s in found.sources) == ["inside.txt", "ok.txt"]
    skipped = {Path(s.path).name: s.reason for s in found.skipped}
    assert "outside the input folder" in skipped["passwd.txt"]
    assert skipped["loop.txt"] == "link loop"
    assert "outside the input folder" in skipped["out"]
    assert "FIFO" in skipped["pipe.txt"]
    assert skipped["notes.docx"] == "not a call file type"
    followed = discover_calls(calls, follow_links=True)
    assert "passwd.txt" in {Path(s.path).name for s in followed.sources}


# --- unbounded work --------------------------------------------------------------------------


def test_a_catastrophic_regex_rule_stops_at_its_time_limit():
    sentence = SimpleNamespace(speaker="customer", start=None, text="a" * 40 + "!", turn=3)
    ctx = SimpleNamespace(sentences=[sentence], head_scores={})
    started = time.monotonic()
    nested = Rule(id="nested", label="Nested", kind="regex", patterns=["(a+)+$"])
    assert _matches(ctx, 0, nested, {}) is False  # the regex engine does not backtrack here
    redos = Rule(id="redos", label="ReDoS", kind="regex", patterns=["(a|aa)+$"])
    with pytest.raises(RuleTimeout, match="rule 'redos'.*turn 3"):
        _matches(ctx, 0, redos, {})
    assert time.monotonic() - started < 5


BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_bomb_in_flag_rules_is_refused_quickly_with_a_short_message(tmp_path):
    (tmp_path / "rules.yaml").write_text(BOMB)
    with pytest.raises(YamlFileError, match="expands to more than 100000 values"):
        load_yaml(tmp_path / "rules.yaml")
    (tmp_path / "many.yaml").write_text("a: &a 1\nb: [" + ", ".join(["*a"] * 150) + "]\n")
    with pytest.raises(YamlFileError, match="more than 100 aliases"):
        load_yaml(tmp_path / "many.yaml")
    db = str(tmp_path / "s.db")
    Store(db_url(db))
    result = CliRunner().invoke(app, ["queue", "--rules", str(tmp_path / "rules.yaml"),
                                      "--db", db])  # fmt: skip
    assert result.exit_code == 1 and len(result.output) < 500
    few_aliases = "a: &a " + json.dumps(list(range(2000))) + "\nb: [" + ", ".join(["*a"] * 99) + "]"
    (tmp_path / "wide.yaml").write_text(few_aliases)
    with pytest.raises(YamlFileError, match="expands to more than"):
        load_yaml(tmp_path / "wide.yaml")


def test_an_oversized_yaml_file_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr("callqa.qa_rules.yaml_files.MAX_BYTES", 100)
    (tmp_path / "big.yaml").write_text("a: " + "x" * 200)
    with pytest.raises(YamlFileError, match="too large"):
        load_yaml(tmp_path / "big.yaml")


def test_deeply_nested_json_is_quarantined_and_the_batch_goes_on(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "ok.txt").write_text(GOOD)
    found = discover_calls(tmp_path)
    results = {r.call_id: r for r in map(_measure, found.sources)}
    assert isinstance(results["ok"], CallResult)
    assert results["deep"].reason == "JSON nested too deeply to be a transcript"
    assert results["deep"].kind == "input"


def test_a_turn_too_long_to_be_speech_is_quarantined_and_the_batch_goes_on(tmp_path):
    (tmp_path / "monologue.txt").write_text("[00:00] Customer: " + "word " * 10_000 + "\n")
    (tmp_path / "ok.txt").write_text(GOOD)
    results = {r.call_id: r for r in map(_measure, discover_calls(tmp_path).sources)}
    assert isinstance(results["ok"], CallResult)
    assert results["monologue"].reason == "turn 0 too long: 49999 characters (limit 30000)"
    assert results["monologue"].kind == "input"


@pytest.mark.parametrize("run", ["?" * 20_000, "?_" * 10_000, "😀a" * 10_000, "a-" * 10_000])
def test_a_long_run_of_symbols_or_one_huge_word_is_parsed_as_a_few_tokens_with_offsets_kept(run):
    # spaCy's tokenizer takes minutes over 28,000 "?" or "?_" in one run; cut, milliseconds
    text = "is that right " + run + " John"
    (doc,) = parse(load_nlp(BLANK), [text])
    assert len(doc) < 100
    assert doc[-1].text == "John" and doc[-1].idx == text.index("John")


@pytest.mark.slow
def test_a_turn_of_repeated_symbols_is_analysed_without_a_hang(tmp_path):
    # "?_-.@/" over and over stalled a detector's e-mail search for hours; now a few seconds
    call = {"call_id": "symbols", "turns": [
        {"speaker": "agent", "text": "Can I take your e-mail address?"},
        {"speaker": "customer", "text": "sure " + "?_-.@/" * 4990}]}  # fmt: skip
    (tmp_path / "symbols.json").write_text(json.dumps(call))
    done: list = []
    worker = threading.Thread(
        target=lambda: done.extend(process_batch(discover_calls(tmp_path).sources)), daemon=True
    )
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "analysis of the symbol run did not finish"
    assert isinstance(done[0], CallResult)


def test_an_oversized_transcript_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr("callqa.pipelines.sources.MAX_TRANSCRIPT_BYTES", 1000)
    (tmp_path / "huge.txt").write_text(GOOD * 100)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the check"))
    (problem,) = discover_calls(tmp_path).problems
    assert problem.reason.startswith("file too large")


@pytest.mark.skipif(not Path("/usr/bin/sox").exists(), reason="needs sox")
def test_audio_whose_header_understates_its_length_stops_at_the_limit(tmp_path):
    from callqa.models.asr import AudioError, load_audio, probe

    flac = tmp_path / "liar.flac"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(flac), "synth", "6", "sine", "440"],
                   check=True)  # fmt: skip
    data = bytearray(flac.read_bytes())
    field = int.from_bytes(data[18:26], "big")
    field = (field & ~((1 << 36) - 1)) | 16000  # STREAMINFO: 1 s of samples
    data[18:26] = field.to_bytes(8, "big")
    flac.write_bytes(bytes(data))
    assert probe(flac, 4)[0] == pytest.approx(1.0)  # the header passes the duration guard
    with pytest.raises(AudioError, match="passed the limit of 4 s"):
        load_audio(flac, max_seconds=4)


# --- faults in one call ----------------------------------------------------------------------


def _measure(source):
    return process_module._measured_or_quarantined(source, process_module.ProcessSettings())


def test_a_bug_while_reading_one_call_quarantines_it_as_ours(tmp_path, monkeypatch):
    real = process_module.read_transcript

    def flaky(path, raw, call_id):
        if call_id == "boom":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, raw, call_id)

    monkeypatch.setattr(process_module, "read_transcript", flaky)
    for name in ("boom.txt", "fine.txt"):
        (tmp_path / name).write_text(GOOD.replace("lost", name))
    results = {r.call_id: r for r in map(_measure, discover_calls(tmp_path).sources)}
    assert isinstance(results["fine"], CallResult)
    assert results["boom"].kind == "internal" and results["boom"].stage == "read"
    assert (
        results["boom"].reason == "reading failed: RecursionError: maximum recursion depth exceeded"
    )


@pytest.mark.slow
def test_a_scoring_failure_quarantines_only_its_call(tmp_path, monkeypatch):
    real = process_module.score_call

    def flaky(card, call_id, findings, metrics, fitted):
        if call_id == "boom":
            raise MemoryError()
        return real(card, call_id, findings, metrics, fitted)

    monkeypatch.setattr(process_module, "score_call", flaky)
    for name in ("boom.txt", "fine.txt"):
        (tmp_path / name).write_text(GOOD.replace("lost", name))
    results = {r.call_id: r for r in process_batch(discover_calls(tmp_path).sources)}
    assert isinstance(results["fine"], CallResult)
    assert results["boom"].stage == "analyse" and "MemoryError" in results["boom"].reason


def test_a_storing_failure_quarantines_only_its_call(tmp_path, monkeypatch):
    store = Store(db_url(tmp_path / "s.db"))
    for name in ("boom.txt", "fine.txt"):
        (tmp_path / name).write_text(GOOD.replace("lost", name))
    measured = [_measure(s) for s in discover_calls(tmp_path).sources]
    real = Store.save_call

    def flaky(self, result, run_id):
        if result.call_id == "boom":
            raise ValueError("cannot encode")
        return real(self, result, run_id)

    monkeypatch.setattr(Store, "save_call", flaky)
    kept = {o.call_id: store_or_quarantine(store, o, "r1", {}) for o in measured}
    assert isinstance(kept["fine"], CallResult) and kept["boom"].stage == "store"
    assert [r.call_id for r in store.list_calls()] == ["fine"]
    assert [q.call_id for q in store.list_quarantine()] == ["boom"]


def test_our_failures_are_retried_by_the_next_version_bad_input_is_not(tmp_path):
    store = Store(db_url(tmp_path / "s.db"))
    for name in ("ours.txt", "bad.txt"):
        (tmp_path / name).write_text(GOOD.replace("lost", name))
    sources = {s.call_id: s for s in discover_calls(tmp_path).sources}
    for call_id, kind in (("ours", "internal"), ("bad", "input")):
        s = sources[call_id]
        store.save_quarantine(Quarantined(call_id=call_id, path=s.path, content_hash=s.content_hash,
                                          reason="x", stage="read", kind=kind), "r1")  # fmt: skip
    assert plan_run(store, list(sources.values()), PIPELINE_VERSION).todo == ()
    retried = plan_run(store, list(sources.values()), PIPELINE_VERSION + "-next")
    assert [s.call_id for s in retried.todo] == ["ours"] and retried.already_quarantined == 1


# --- erasure: tombstones ---------------------------------------------------------------------


def test_an_erased_call_is_not_ingested_again_unless_asked(tmp_path):
    store = Store(db_url(tmp_path / "s.db"))
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "c1.txt").write_text(GOOD)
    (source,) = discover_calls(tmp_path / "calls").sources
    store_outcome(store, _measure(source), "r1", {})
    erased = forget_calls(store, ["c1", "never-stored"], Folders())
    assert erased.calls == ("c1",)
    plan = plan_run(store, [source], PIPELINE_VERSION)
    assert plan.todo == () and "an erased call" in plan.skipped[0].reason
    assert [s.call_id for s in plan_run(store, [source], PIPELINE_VERSION, True).todo] == ["c1"]


# --- the case index, the run lock and the store ----------------------------------------------


def test_a_truncated_index_is_rebuilt_from_the_store(tmp_path, monkeypatch):
    import numpy as np

    from callqa.qa_rules.cases import Case
    from callqa.qa_rules.findings import Evidence

    store = Store(db_url(tmp_path / "s.db"))
    (tmp_path / "c1.txt").write_text(GOOD)
    (source,) = discover_calls(tmp_path).sources
    ev = Evidence(turn=1, speaker="customer", char_start=0, char_end=3, quote="My card is lost.")
    vector = np.ones(384, np.float32) / np.sqrt(384)
    case = Case(issue=(ev,), resolution=(ev,), outcome="resolved", vector=tuple(vector.tolist()))
    store_outcome(store, _measure(source).model_copy(update={"case": case}), "r1", {})
    path = index_path(store.url)
    sync_index(store, path)
    path.write_bytes(path.read_bytes()[:50])
    assert open_index(path) is None
    assert sync_index(store, path)["total"] == 1 and len(open_index(path)) == 1


def test_a_run_refuses_at_once_while_maintenance_holds_the_store(tmp_path):
    db = str(tmp_path / "s.db")
    with lock_held(db) as holder:
        with pytest.raises(RunLocked, match=f"pid {holder.pid}"):
            with run_lock(db):
                pass
        (tmp_path / "calls").mkdir()
        result = CliRunner().invoke(app, ["run", str(tmp_path / "calls"), "--db", db])
        assert result.exit_code == 1 and isinstance(result.exception, RunLocked)
    with run_lock(db):  # released when its holder died
        pass


def test_store_problems_are_one_line_and_reading_never_creates_a_store(tmp_path):
    missing = tmp_path / "none.db"
    with pytest.raises(StoreError, match="no store at"):
        Store(db_url(missing), create=False)
    assert not missing.exists()
    with pytest.raises(StoreError, match="no such folder"):
        Store(db_url(tmp_path / "nowhere" / "s.db"))
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="not a callqa store or damaged"):
        Store(db_url(damaged))
    for args in (["calls"], ["quarantine"], ["show", "x"]):
        out = subprocess.run([sys.executable, "-m", "callqa.pipelines.cli", *args, "--db",
                              str(missing)], capture_output=True, text=True)  # fmt: skip
        assert out.returncode == 1 and out.stderr.count("\n") == 1 and "no store at" in out.stderr
    assert not missing.exists()


def test_markdown_coaching_plans_escape_what_callers_said():
    from callqa.pipelines.reports import _md

    assert (
        _md('<img src=x onerror="alert(1)">\nnext') == '&lt;img src=x onerror="alert(1)"&gt; next'
    )


def test_a_newline_inside_a_quoted_manifest_id_is_refused_not_joined(tmp_path):
    (tmp_path / "t.txt").write_text(GOOD)
    (tmp_path / "manifest.csv").write_text('file,call_id\nt.txt,"a\nb"\n')
    found = discover_calls(tmp_path)
    assert found.sources == [] and "is not allowed" in found.problems[0].reason


@pytest.mark.parametrize(
    "content",
    ["[" * 5000 + "]" * 5000, "a: " + "1" * 10_000, "{a: " * 3000 + "1" + "}" * 3000],
)
def test_yaml_nested_too_deeply_or_with_huge_numbers_is_one_line(tmp_path, content):
    (tmp_path / "x.yaml").write_text(content)
    with pytest.raises(YamlFileError) as caught:
        load_yaml(tmp_path / "x.yaml")
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


def test_a_fifo_or_device_is_not_read_as_yaml_or_manifest(tmp_path):
    os.mkfifo(tmp_path / "rules.yaml")
    with pytest.raises(YamlFileError, match="not a regular file"):
        load_yaml(tmp_path / "rules.yaml")  # would block forever if opened
    with pytest.raises(YamlFileError, match="not a regular file"):
        load_yaml(Path("/dev/zero"))
    calls = tmp_path / "calls"
    calls.mkdir()
    os.mkfifo(calls / "manifest.csv")
    with pytest.raises(ValueError, match="not a regular file"):
        discover_calls(calls)


def test_an_erased_call_id_stays_out_when_its_file_changes(tmp_path):
    store = Store(db_url(tmp_path / "s.db"))
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "c1.txt").write_text(GOOD)
    (source,) = discover_calls(calls).sources
    store_outcome(store, _measure(source), "r1", {})
    forget_calls(store, ["c1"], Folders())
    (calls / "c1.txt").write_text(GOOD + "\n")
    (changed,) = discover_calls(calls).sources
    assert plan_run(store, [changed], PIPELINE_VERSION).todo == ()


def test_refreshing_reports_keeps_files_callqa_did_not_write(tmp_path):
    from callqa.pipelines.publish import refresh_reports
    from callqa.qa_rules.scorecard import load_scorecard

    store = Store(db_url(tmp_path / "s.db"))
    reports = tmp_path / "callqa-reports"
    (reports / "calls").mkdir(parents=True)
    (reports / "agents").mkdir()
    mine = [reports / "calls" / "my-notes.html", reports / "agents" / "README.md"]
    for path in mine:
        path.write_text("notes of my own")
    ours = reports / "calls" / "gone.html"
    ours.write_text('<html><head><meta name="generator" content="callqa"></head></html>')
    refresh_reports(store, load_scorecard(), reports, erased=["gone"])
    assert all(p.exists() for p in mine) and not ours.exists()


def test_a_read_only_store_is_refused_before_the_run(tmp_path):
    db = tmp_path / "s.db"
    Store(db_url(db))
    db.chmod(0o444)
    immutable = os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(db)]).returncode == 0
    try:
        if os.access(db, os.W_OK) and not immutable:
            pytest.skip("root without chattr can write a read-only file")
        with pytest.raises(StoreError, match="read-only"):
            Store(db_url(db)).check_writable()
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(db)])
        db.chmod(0o644)


def test_file_names_cannot_drive_the_terminal():
    from callqa.pipelines.console import printable

    assert printable("/calls/esc\x1b[31mred\nnext.txt") == "/calls/esc\\x1b[31mred\\nnext.txt"


def test_a_folder_beside_the_store_that_cannot_be_written_is_one_line_and_exit_1(tmp_path):
    """`.callqa` beside the store is a file, so its lock cannot be made: one line, no traceback."""
    write_calls(tmp_path / "in", 1)
    (tmp_path / ".callqa").write_text("not a folder")
    run = subprocess.run(
        [sys.executable, "-c", "from callqa.pipelines.cli import main; main()", "run",
         str(tmp_path / "in"), "--db", str(tmp_path / "qa.db")],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("error: ") and ".callqa" in run.stderr

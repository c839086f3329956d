"""The review workspace through HTTP: sign-in, sessions and CSRF, filters and export, the
review queue, overrides with their audit entries, and what an agent account may see."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from callqa.pipelines.cli import app as cli
from callqa.pipelines.web.app import create_app
from callqa.qa_rules.flags import FlagRules
from callqa.qa_rules.scorecard import load_scorecard
from tests.web_store import PASSWORD, web_store

SECRET = "s" * 40
CRITERIA = [c.id for c in load_scorecard().criteria() if not c.bonus]


@pytest.fixture
def store(store_url):
    return web_store(store_url)


def client(store, who: str | None = None) -> TestClient:
    browser = TestClient(create_app(store, SECRET, "voice-support", FlagRules(budget=None)))
    if who is not None:
        signed = browser.post("/login", data={"name": who, "password": PASSWORD})
        assert signed.status_code == 200 and "Sign out" in signed.text
    return browser


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_every_page_needs_a_signed_in_account(store):
    anonymous = client(store)
    for path in ("/", "/queue", "/calls/c-01.html", "/export.csv", "/audit", "/agents/a-ann.html"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", path
    wrong = anonymous.post("/login", data={"name": "ria", "password": "not it at all"})
    assert "do not match" in wrong.text
    nobody = anonymous.post("/login", data={"name": "nobody", "password": PASSWORD})
    assert "do not match" in nobody.text
    anonymous.cookies.set("callqa_session", "eyJ1c2VyIjoibGVhZCJ9.x.y")  # unsigned "lead"
    assert anonymous.get("/").url.path == "/login"


def test_the_session_cookie_is_httponly_and_strict(store):
    browser = client(store)
    signed = browser.post("/login", data={"name": "ria", "password": PASSWORD},
                          follow_redirects=False)  # fmt: skip
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "correct" not in cookie  # the cookie names the user, never the password


def test_filters_sorting_paging_and_export(store):
    browser = client(store, "ria")
    page = browser.get("/", params={"team": "west"}).text
    assert "2 call(s) match" in page and "c-03" in page and "c-01" not in page
    assert "c-02" not in browser.get("/", params={"outcome": "resolved"}).text
    assert "c-02" in browser.get("/", params={"outcome": "unresolved"}).text
    dated = browser.get("/", params={"since": "2026-11-10", "until": "2026-11-10"}).text
    assert "1 call(s) match" in dated and "c-03" in dated
    ascending = browser.get("/", params={"sort": "total", "order": "asc"}).text
    ids = re.findall(r'href="/calls/(c-\d+)\.html"', ascending)
    totals = {r["call_id"]: float(r["total"]) for r in csv.DictReader(
        io.StringIO(browser.get("/export.csv").text))}  # fmt: skip
    assert ids == sorted(totals, key=lambda c: (totals[c], c))
    assert browser.get("/", params={"sort": "password_hash"}).status_code == 422
    assert browser.get("/", params={"since": "2026-13-01"}).status_code == 422
    blank = browser.get("/?since=&until=&team=&min_score=&max_score=60&reviewed=").text
    assert "2 call(s) match" in blank  # empty fields of the form mean "any"
    assert browser.get("/", params={"min_score": "lots"}).status_code == 422
    lines = browser.get("/export.jsonl", params={"agent": "a-bob"}).text.splitlines()
    assert sorted(json.loads(line)["call_id"] for line in lines) == ["c-03", "c-04"]
    assert "<svg" in page or "two weeks" in page  # the weekly trend


def test_an_override_is_shown_beside_the_system_answer_and_audited(store):
    browser = client(store, "ria")
    page = browser.get("/calls/c-02.html").text
    token = csrf_of(page)
    criterion = re.search(r'name="criterion" value="([^"]+)"', page).group(1)
    stale_form = {"csrf": "stale", "criterion": criterion, "answer": "yes"}
    stale = browser.post("/calls/c-02/review", data=stale_form)
    assert stale.status_code == 403 and store.list_reviews("c-02") == []
    done = browser.post(
        "/calls/c-02/review",
        data={"csrf": token, "criterion": criterion, "answer": "yes", "comment": "she <b>did</b>"},
    )
    assert done.status_code == 200 and "Review history" in done.text
    assert "by ria" in done.text and "she &lt;b&gt;did&lt;/b&gt;" in done.text  # escaped
    (review,) = store.list_reviews("c-02")
    assert (review.reviewer, review.answer) == ("ria", "yes")
    assert (
        browser.post(
            "/calls/c-02/review", data={"csrf": token, "criterion": criterion, "answer": "maybe"}
        ).status_code
        == 422
    )
    assert (
        browser.post(
            "/calls/c-02/review", data={"csrf": token, "criterion": "no-such", "answer": "yes"}
        ).status_code
        == 404
    )
    audit = client(store, "lead").get("/audit").text
    assert f"c-02/{criterion}" in audit and "ria" in audit
    assert client(store, "ria").get("/audit").status_code == 403
    listed = browser.get("/", params={"reviewed": "yes"}).text
    assert "1 call(s) match" in listed and "c-02" in listed


def test_the_queue_marks_flags_and_the_sample_apart(store):
    page = client(store, "ria").get("/queue").text
    flagged = page.split('id="flagged"')[1].split("</table>")[0]
    sample = page.split('id="sample"')[1].split("</table>")[0]
    assert "c-02" in flagged and "c-04" in flagged and "c-01" not in flagged
    assert "tag sample" in sample and "left to review" in page


def test_an_agent_sees_only_their_own_calls(store):
    ann = client(store, "ann")
    assert "2 call(s) match" in ann.get("/", params={"agent": "a-bob"}).text  # held to her own
    assert ann.get("/calls/c-03.html").status_code == 404
    assert ann.get("/calls/c-01.html").status_code == 200
    assert ann.get("/queue").status_code == 403
    assert ann.get("/agents/a-bob.html").status_code == 404
    assert "Coaching plan" in ann.get("/agents/a-ann.html").text
    assert {r["call_id"] for r in csv.DictReader(io.StringIO(
        ann.get("/export.csv", params={"agent": "a-bob"}).text))} == {"c-01", "c-02"}  # fmt: skip
    page = ann.get("/calls/c-01.html").text
    assert 'action="/calls/c-01/review"' not in page  # no override form
    token = csrf_of(page)  # her sign-out form's token
    assert (
        ann.post(
            "/calls/c-01/review", data={"csrf": token, "criterion": "probed", "answer": "yes"}
        ).status_code
        == 403
    )


def test_export_cells_cannot_run_as_spreadsheet_formulas(store, tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "callqa.db")
    result = runner.invoke(cli, ["user", "add", "=cmd", "--role", "admin", "--password-stdin",
                                 "--db", db], input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 2  # an account name is a safe id
    from callqa.pipelines.console import csv_text

    made = csv_text(["a", "b", "c", "d"], [["c-1", '=HYPERLINK("x","y")', -3.5, "a,-b"]])
    assert made.splitlines()[1] == 'c-1,"\'=HYPERLINK(""x"",""y"")",-3.5,"a,-b"'


def test_accounts_from_the_command_line(tmp_path):
    runner, db = CliRunner(), str(tmp_path / "callqa.db")
    made = runner.invoke(cli, ["user", "add", "kim", "--role", "coach", "--password-stdin",
                               "--db", db], input=PASSWORD + "\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    short = runner.invoke(cli, ["user", "add", "kim", "--role", "coach", "--password-stdin",
                                "--db", db], input="short\n")  # fmt: skip
    assert short.exit_code == 2 and "at least 10" in short.output
    agent = runner.invoke(cli, ["user", "add", "al", "--role", "agent", "--password-stdin",
                                "--db", db], input=PASSWORD + "\n")  # fmt: skip
    assert agent.exit_code == 2 and "--agent-id" in agent.output
    assert "kim  coach" in runner.invoke(cli, ["user", "list", "--db", db]).output
    away = runner.invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0"])
    assert away.exit_code == 2 and "secret" in away.output
    assert runner.invoke(cli, ["user", "remove", "kim", "--db", db]).exit_code == 0
    assert runner.invoke(cli, ["user", "remove", "kim", "--db", db]).exit_code == 1


def test_an_admin_erases_a_call_as_callqa_forget_does(store):
    lead, ria = client(store, "lead"), client(store, "ria")
    assert 'action="/calls/c-01/forget"' not in ria.get("/calls/c-01.html").text
    token = csrf_of(ria.get("/calls/c-01.html").text)
    denied = ria.post("/calls/c-01/forget", data={"csrf": token, "confirm": "c-01"})
    assert denied.status_code == 403 and store.get_call("c-01") is not None
    page = lead.get("/calls/c-01.html").text
    token = csrf_of(page)
    assert 'action="/calls/c-01/forget"' in page
    unconfirmed = lead.post("/calls/c-01/forget", data={"csrf": token, "confirm": "c-1"})
    assert unconfirmed.status_code == 422 and store.get_call("c-01") is not None
    from callqa.pipelines import calibration_sessions, queue_claims

    session = calibration_sessions.create_session(store, "w", ["c-01", "c-02"], "lead")
    calibration_sessions.save_answers(store, session, "c-01", "ria", {"greeted": "yes"})
    queue_claims.claim(store, "c-01", "ria", "lead")
    criterion = re.search(r'name="criterion" value="([^"]+)"', page).group(1)
    store.save_review("c-01", criterion, "no", "she said her card ends 4471", "ria", actor="lead")
    done = lead.post("/calls/c-01/forget", data={"csrf": token, "confirm": "c-01"})
    assert done.status_code == 200 and "3 call(s) match" in done.text
    assert store.get_call("c-01") is None and store.erased()[1] == {"c-01"}
    with store.engine.connect() as db:  # nothing of the call is left in any table
        for table in ("calibration_answers", "calibration_calls", "queue_claims", "reviews"):
            left = db.exec_driver_sql(f"select count(*) from {table} where call_id = 'c-01'")
            assert left.scalar() == 0, table
        said = db.execute(text("select detail from audit where target like :t"),
                          {"t": "c-01/%"}).all()  # fmt: skip
        assert said and all(detail == "" for (detail,) in said)  # who and when stay, not words
    assert "erase" in lead.get("/audit").text
    assert lead.get("/calls/c-01.html").status_code == 404


def test_a_calibration_session_is_blind_until_answered_then_shows_agreement(store):
    from tests.web_store import add_user

    add_user(store, "sam", "reviewer", PASSWORD, "test")
    lead, ria, sam = client(store, "lead"), client(store, "ria"), client(store, "sam")
    token = csrf_of(ria.get("/calibration").text)
    refused = ria.post("/calibration", data={"csrf": token, "name": "x", "calls": "c-01"})
    assert refused.status_code == 403
    token = csrf_of(lead.get("/calibration").text)
    unknown = lead.post("/calibration", data={"csrf": token, "name": "x", "calls": "c-01 nope"})
    assert unknown.status_code == 422 and "nope" in unknown.text
    made = lead.post("/calibration", data={"csrf": token, "name": "Week 48", "calls": "c-01,c-02"})
    session = made.url.path

    said = {"ria": {"c-01": "yes", "c-02": "no"}, "sam": {"c-01": "yes", "c-02": "yes"}}
    for who, browser in (("ria", ria), ("sam", sam)):
        for n, (call_id, answer) in enumerate(said[who].items()):
            blind = browser.get(f"{session}/calls/{call_id}").text
            assert 'class="answer' not in blind and "Agreement" not in blind  # nothing shown
            if n == 0:
                assert "Agreement per criterion" not in browser.get(session).text
            form = {"csrf": csrf_of(blind), **dict.fromkeys(CRITERIA, "yes"), "greeted": answer}
            partial = browser.post(f"{session}/calls/{call_id}",
                                   data={"csrf": csrf_of(blind), "greeted": answer})  # fmt: skip
            assert partial.status_code == 422  # every criterion, or nothing
            page = browser.post(f"{session}/calls/{call_id}", data=form)
        assert "Agreement per criterion" in page.text  # answered everything: results show
    token = csrf_of(ria.get(session).text)
    again = ria.post(f"{session}/calls/c-02", data={"csrf": token, "greeted": "yes"})
    assert again.status_code == 409  # answers are final once the results are seen
    coach_view = client(store, "lead").get(session).text
    assert "Agreement per criterion" in coach_view
    results = lead.get(session).text
    disputes = results.split('id="disagreements"')[1].split("</table>")[0]
    assert "c-02" in disputes and "<th>ria</th><th>sam</th>" in disputes
    assert client(store, "ann").get("/calibration").status_code == 403


def test_calibration_agreement_matches_sklearn():
    from sklearn.metrics import cohen_kappa_score

    from callqa.pipelines.calibration_sessions import CalibrationAnswer, agreement_by_criterion

    ria, sam = ["yes", "no", "no", "yes"], ["yes", "no", "yes", "yes"]
    system = {(f"c{i}", "probed"): a for i, a in enumerate(["yes", "yes", "no", "yes"])}
    given = [CalibrationAnswer(call_id=f"c{i}", criterion_id="probed", reviewer=who, answer=a)
             for who, said in (("ria", ria), ("sam", sam)) for i, a in enumerate(said)]  # fmt: skip
    (probed,) = agreement_by_criterion(given, system)
    assert probed.answers == 8
    assert probed.between_reviewers == pytest.approx(cohen_kappa_score(ria, sam), abs=1e-3)
    with_system = [cohen_kappa_score(r, list(system.values())) for r in (ria, sam)]
    assert probed.with_system == pytest.approx(sum(with_system) / 2, abs=1e-3)
    assert probed.disagreements == ("c1", "c2")


def test_flagged_calls_are_claimed_assigned_and_released(store):
    from tests.web_store import add_user

    add_user(store, "sam", "reviewer", PASSWORD, "test")
    lead, ria, sam = client(store, "lead"), client(store, "ria"), client(store, "sam")
    token = csrf_of(ria.get("/queue").text)
    assert ria.post("/queue/c-02/claim", data={"csrf": token}).status_code == 200
    assert "with <b>ria</b>" in sam.get("/queue").text
    taken = sam.post("/queue/c-02/claim", data={"csrf": csrf_of(sam.get("/queue").text)})
    assert taken.status_code == 409  # two reviewers never take the same call
    token = csrf_of(lead.get("/queue").text)
    assert lead.post("/queue/c-02/claim", data={"csrf": token, "reviewer": "nobody"}
                     ).status_code == 422  # fmt: skip
    lead.post("/queue/c-02/claim", data={"csrf": token, "reviewer": "sam"})
    assert "with <b>sam</b>" in ria.get("/queue").text
    lead.post("/queue/c-02/claim", data={"csrf": token, "release": "true"})
    assert "with <b>" not in ria.get("/queue").text
    ann = client(store, "ann")
    assert ann.post("/queue/c-01/claim", data={"csrf": "x"}).status_code == 403


def test_a_coachs_note_is_checked_at_its_follow_up(store):
    from datetime import UTC, date, datetime

    from callqa.pipelines.coaching_notes import CoachingNote, follow_up
    from tests.web_store import add_user

    add_user(store, "cody", "coach", PASSWORD, "test")
    cody = client(store, "cody")
    page = cody.get("/agents/a-ann.html").text
    assert "No notes yet" in page
    form = {
        "csrf": csrf_of(page),
        "note": "Acknowledge <before> you fix",
        "follow_up": "2026-11-20",
    }
    done = cody.post("/agents/a-ann/notes", data=form)
    assert "Acknowledge &lt;before&gt; you fix" in done.text and "due" in done.text
    assert "Since this note: 0 scored call(s)" in done.text and "before it: 2, mean" in done.text
    ria = client(store, "ria")
    token = csrf_of(ria.get("/agents/a-ann.html").text)
    assert ria.post("/agents/a-ann/notes", data={**form, "csrf": token}).status_code == 403
    assert cody.post("/agents/nobody/notes", data=form).status_code == 404

    note = CoachingNote(agent_id="a-ann", coach="c", note="n", follow_up=date(2026, 11, 5),
                        at=datetime(2026, 11, 3, tzinfo=UTC))  # fmt: skip
    check = follow_up(note, store.scored_calls(), today=date(2026, 11, 4))
    assert not check.due and (check.calls_before, check.calls_since) == (1, 1)
    totals = {c.call_id: c.score.total for c in store.scored_calls()}
    assert check.mean_before == round(totals["c-01"], 1)
    assert check.mean_since == round(totals["c-02"], 1)


def test_the_muted_audio_copy_is_served_to_those_who_may_see_the_call(store, tmp_path):
    from callqa.pipelines.workspace import Folders

    muted = tmp_path / "muted"
    muted.mkdir()
    (muted / "c-03.wav").write_bytes(b"RIFF....WAVE")
    app = create_app(store, SECRET, "voice-support", FlagRules(), Folders(muted_audio=muted))
    ria, ann = TestClient(app), TestClient(app)
    for browser, who in ((ria, "ria"), (ann, "ann")):
        browser.post("/login", data={"name": who, "password": PASSWORD})
    assert ria.get("/audio/c-03.wav").content == b"RIFF....WAVE"
    assert 'id="player"' in ria.get("/calls/c-03.html").text
    assert 'id="player"' not in ria.get("/calls/c-01.html").text  # no copy of that one
    assert ria.get("/audio/c-01.wav").status_code == 404
    assert ann.get("/audio/c-03.wav").status_code == 404  # another agent's call
    assert ria.get("/audio/..%2Fmuted%2Fc-03.wav").status_code == 404


def test_the_trend_has_a_line_per_team_or_per_agent(store):
    ria = client(store, "ria")
    teams = ria.get("/").text
    assert "■ east" in teams and "■ west" in teams and "and team" in teams
    agents = ria.get("/", params={"team": "east"}).text
    assert "■ a-ann" in agents and "■ east" not in agents and "and agent" in agents


def test_a_new_scorecard_version_is_backtested_before_it_is_used(store):
    from pathlib import Path

    import callqa.qa_rules.scorecard as scorecards

    store.freeze_scorecard(scorecards.load_scorecard())
    ria = client(store, "ria")
    page = ria.get("/scorecards").text
    assert "voice-support" in page.split('id="versions"')[1]
    bundled = (Path(scorecards.__file__).parent / "scorecards" / "voice-support.yaml").read_text()
    proposed = bundled.replace("version:", 'version: "9" #', 1)
    done = ria.post("/scorecards/backtest", data={"csrf": csrf_of(page), "definition": proposed})
    assert done.status_code == 200 and 'id="agents"' in done.text and "a-bob" in done.text
    assert "In the review queue (no budget)" in done.text
    broken = ria.post("/scorecards/backtest",
                      data={"csrf": csrf_of(page), "definition": "id: [unclosed"})  # fmt: skip
    assert 'id="problem"' in broken.text and "/tmp" not in broken.text
    assert client(store, "ann").get("/scorecards").status_code == 403


def test_errors_are_a_page_for_a_browser_and_json_for_a_script(store):
    ria = client(store, "ria")
    page = ria.get("/calls/nope.html", headers={"accept": "text/html"})
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text and "nope" in page.text
    assert ria.get("/calls/nope.html").json() == {"detail": "no call 'nope'"}
    bad = ria.get("/", params={"order": "sideways"}, headers={"accept": "text/html"})
    assert bad.status_code == 422 and "order" in bad.text
    assert ria.get("/", params={"page": 10**18}).status_code == 422
    assert ria.get("/", params={"until": "9999-12-31"}).status_code == 422
    assert ria.get("/", params={"outcome": "bogus"}).status_code == 422
    foreign = ria.post("/logout", data={"csrf": "x"}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert "DENY" == ria.get("/").headers["x-frame-options"]


def test_signing_out_or_a_new_password_ends_sessions(store):
    ria = client(store, "ria")
    cookie = ria.cookies.get("callqa_session")
    ria.post("/logout", data={"csrf": csrf_of(ria.get("/").text)})
    replay = client(store)
    replay.cookies.set("callqa_session", cookie)
    assert replay.get("/").url.path == "/login"
    ria = client(store, "ria")
    from callqa.pipelines.web.auth import add_user

    add_user(store, "ria", "reviewer", "a new password 123", "test")
    assert ria.get("/").url.path == "/login"
    for _ in range(5):
        ria.post("/login", data={"name": "ria", "password": "wrong wrong wrong"})
    right = ria.post("/login", data={"name": "ria", "password": "a new password 123"})
    assert right.status_code == 429  # five failures: the name waits


def test_calls_are_filtered_by_the_flag_rule_they_meet(store):
    ria = client(store, "ria")
    page = ria.get("/").text
    assert "<option>unresolved</option>" in page  # the rules the stored calls meet
    flagged = ria.get("/", params={"flag": "unresolved"}).text
    assert "2 call(s) match" in flagged and "c-02" in flagged and "c-04" in flagged
    assert "0 call(s) match" in ria.get("/", params={"flag": "no-such-rule"}).text
    lines = ria.get("/export.jsonl", params={"flag": "unresolved", "team": "west"}).text
    assert [json.loads(line)["call_id"] for line in lines.splitlines()] == ["c-04"]
    store.forget(["c-04"])  # the rules are worked out again once calls change
    assert "1 call(s) match" in ria.get("/", params={"flag": "unresolved"}).text


def test_sign_in_attempts_made_at_once_cannot_pass_the_limit():
    from concurrent.futures import ThreadPoolExecutor

    from callqa.pipelines.web.auth import Throttle

    throttle = Throttle(limit=5)
    with ThreadPoolExecutor(16) as pool:
        let_through = list(pool.map(lambda _: throttle.attempt("tt", 0.0), range(40)))
    assert sum(let_through) == 5
    throttle.passed("tt")
    assert throttle.attempt("tt", 1.0)


def test_hostile_leftovers_are_refused_quietly(store, tmp_path):
    from callqa.pipelines.workspace import Folders

    muted = tmp_path / "muted"
    muted.mkdir()
    (muted / "c-01.wav").symlink_to("/etc/passwd")  # a link out of the folder
    app = create_app(store, SECRET, "voice-support", FlagRules(), Folders(muted_audio=muted))
    lead = TestClient(app)
    lead.post("/login", data={"name": "lead", "password": PASSWORD})
    assert lead.get("/audio/c-01.wav").status_code == 404
    page = lead.get("/calls/c-01.html")
    assert page.status_code == 200 and 'id="player"' not in page.text
    token = csrf_of(lead.get("/agents/a-ann.html").text)
    blank = lead.post("/agents/a-ann/notes", data={"csrf": token, "note": "   ",
                                                   "follow_up": "2026-12-01"})  # fmt: skip
    assert blank.status_code == 422
    made = lead.post("/calibration", data={"csrf": token, "name": "w", "calls": "c-02"})
    answer = lead.post(f"{made.url.path}/calls/c-02", data={"csrf": token})
    assert answer.status_code == 403  # the lead sees every answer: theirs would not be blind

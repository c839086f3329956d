"""HTML reports: a call page and a run summary, checked by parsing their key elements."""

from html.parser import HTMLParser

import pytest

from callqa.pipelines.reports import emotion_svg, highlight, histogram_svg
from callqa.qa_rules.analysis import EmotionPoint
from tests.test_review import finding


class Elements(HTMLParser):
    """Collects tags with their attributes and the page text."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, **attrs):
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def test_highlight_marks_quoted_spans_by_polarity_and_escapes_text():
    f = finding("dismissive_language")  # quotes characters 0-3 of turn 0, negative
    html = highlight("hey <you> there", 0, [f])
    assert html.startswith('<mark class="negative" title="dismissive_language">hey</mark>')
    assert "&lt;you&gt;" in html
    assert highlight("hey there", 1, [f]) == "hey there"  # other turns are untouched


def test_charts_are_inline_svg():
    points = [EmotionPoint(turn=i, start=i, negative=i / 10, positive=0.5) for i in range(4)]
    chart = Elements(emotion_svg(points))
    assert len(chart.find("polyline")) == 2
    assert emotion_svg(points[:1]) == ""
    bars = Elements(histogram_svg([5.0, 55.0, 58.0, 100.0]))
    assert len(bars.find("rect")) == 10


def test_the_emotion_chart_is_drawn_on_the_calls_seconds():
    points = [EmotionPoint(turn=i, start=t, negative=0.2, positive=0.5)
              for i, t in enumerate((10.0, 20.0, 100.0))]  # fmt: skip
    line = Elements(emotion_svg(points, width=1000)).find("polyline")[0].get("points")
    xs = [float(pair.split(",")[0]) for pair in line.split()]
    assert xs == pytest.approx([24, 24 + 952 / 9, 976], abs=0.1)  # 10 s of 90 s, not half way
    untimed = [p.model_copy(update={"start": None}) for p in points]
    line = Elements(emotion_svg(untimed, width=1000)).find("polyline")[0].get("points")
    assert [float(pair.split(",")[0]) for pair in line.split()] == pytest.approx([24, 500, 976])


@pytest.mark.slow
def test_a_call_page_shows_score_scorecard_evidence_and_transcript(report_folder):
    page = Elements((report_folder / "calls" / "nw-20261120-0001.html").read_text())
    text = " ".join(page.text)
    assert "Call nw-20261120-0001" in text and "of 100" in text
    assert "Restated or checked the customer's issue" in text  # a scorecard row
    assert page.find("a", href="#t0")  # evidence links into the transcript
    assert page.find("div", id="t0", **{"class": "turn"})
    assert page.find("mark", **{"class": "positive"})
    assert page.find("svg")  # the emotion chart
    summary = Elements((report_folder / "index.html").read_text())
    assert summary.find("a", href="calls/fl-20261120-0002.html")
    assert "auto_fail" in " ".join(summary.text)


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory, prefect_server):
    from callqa.pipelines.flow import nightly
    from callqa.pipelines.store import db_url
    from tests.conftest import SAMPLES

    folder = tmp_path_factory.mktemp("reports")
    nightly(str(SAMPLES), db_url(folder / "r.db"), reports=str(folder / "html"))
    return folder / "html"


@pytest.mark.slow
def test_the_run_writes_coaching_plans_in_html_and_markdown(report_folder):
    markdown = (report_folder / "agents" / "a-kevin.md").read_text()
    assert markdown.startswith("# Coaching plan: a-kevin")
    assert '"Sir, you need to calm down."' in markdown  # his own moment, quoted
    page = Elements((report_folder / "agents" / "a-kevin.html").read_text())
    links = [a["href"] for a in page.find("a") if "href" in a]
    assert any(link.startswith("../calls/fl-20261120-0002.html#t") for link in links)
    assert Elements((report_folder / "index.html").read_text()).find(
        "a", href="agents/a-kevin.html"
    )


@pytest.mark.slow
def test_the_index_shows_every_stored_call_and_links_every_run(report_folder, tmp_path):
    from callqa.pipelines.flow import nightly
    from callqa.pipelines.store import db_url

    one = tmp_path / "one"
    one.mkdir()
    (one / "late-call.txt").write_text(
        "Agent: Thanks for calling, how can I help?\nCustomer: What time do you open?\n"
        "Agent: We open at nine.\nCustomer: Thanks, bye.\nAgent: Bye.\n"
    )
    nightly(str(one), db_url(report_folder.parent / "r.db"), reports=str(report_folder))
    index = Elements((report_folder / "index.html").read_text())
    text = " ".join(index.text)
    assert "21 calls stored" in text  # the sample's 20 and the late call, not the last run's 1
    assert index.find("a", href="calls/fl-20261120-0002.html")
    assert index.find("a", href="calls/late-call.html")
    runs = [a["href"] for a in index.find("a") if a.get("href", "").startswith("runs/")]
    assert len(runs) == 2 and all((report_folder / r).exists() for r in runs)

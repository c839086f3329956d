"""The review workspace in a real browser: Debian's Chromium, driven by Selenium, against
``callqa serve`` started as a user would start it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from callqa.pipelines.store import db_url
from tests.web_store import PASSWORD, add_user, web_store

CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tone(path, seconds: float) -> None:
    """A quiet 440 Hz tone: something to play."""
    import math
    import struct
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(2000 * math.sin(i * 0.3456)))
                                 for i in range(int(seconds * 8000))))  # fmt: skip


@pytest.fixture
def workspace(tmp_path):
    store = web_store(db_url(tmp_path / "callqa.db"))
    add_user(store, "sam", "reviewer", PASSWORD, "test")
    muted = tmp_path / "muted"
    muted.mkdir()
    tone(muted / "c-04.wav", 12.0)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "callqa.pipelines.cli", "serve", "--db",
         str(tmp_path / "callqa.db"), "--port", str(port)],
        env={**os.environ, "HF_HUB_OFFLINE": "1", "CALLQA_PROCESS__MUTED_AUDIO": str(muted)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/login", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(server.stdout.read())
            time.sleep(0.2)
    yield url, str(tmp_path / "callqa.db")
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--autoplay-policy=no-user-gesture-required"):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def until(browser, condition):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    # While the page changes, chromedriver may report an element of the old page as
    # "not belonging to the document" rather than as stale: keep waiting through both.
    return WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(condition)


def sign_in(browser, url: str, name: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as arrived

    browser.get(url + "/login")
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(browser, arrived.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Stored calls"))


def sign_out(browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as arrived

    browser.find_element(By.XPATH, "//button[text()='Sign out']").click()
    until(browser, arrived.url_contains("/login"))


def unlabelled(browser) -> list[str]:
    """Form controls a screen reader could not name: no label around them, no aria-label."""
    return browser.execute_script("""
        return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
          .filter(c => !c.closest('label') && !c.getAttribute('aria-label')
                       && !(c.id && document.querySelector('label[for="' + c.id + '"]')))
          .map(c => c.outerHTML);""")


def unreachable(browser) -> list[str]:
    """Controls the keyboard cannot reach: taken out of the tab order, or clickable elements
    that are not links, buttons or form controls."""
    return browser.execute_script("""
        const controls = 'a, button, input, select, textarea, audio, [onclick]';
        return Array.from(document.querySelectorAll(controls))
          .filter(c => c.type !== 'hidden' && (c.tabIndex < 0 || c.hasAttribute('onclick')))
          .map(c => c.outerHTML);""")


def test_a_reviewer_signs_in_filters_opens_a_call_and_overrides(workspace, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as arrived
    from selenium.webdriver.support.ui import Select

    url, db = workspace

    def arrives(condition):
        return until(browser, condition)

    browser.get(url + "/")
    assert browser.current_url.endswith("/login")
    sign_in(browser, url, "ria")
    assert "4 call(s) match" in browser.page_source and unlabelled(browser) == []

    Select(browser.find_element(By.NAME, "outcome")).select_by_visible_text("unresolved")
    browser.find_element(By.NAME, "team").send_keys("west")
    browser.find_element(By.XPATH, "//button[text()='Filter']").click()
    arrives(arrived.url_contains("outcome=unresolved"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#calls a[href^='/calls/']")
    assert [r.text for r in rows] == ["c-04"]

    rows[0].click()
    arrives(arrived.url_contains("/calls/c-04.html"))
    assert unlabelled(browser) == []
    assert browser.find_element(By.TAG_NAME, "h1").text == "Call c-04"
    form = browser.find_elements(By.CSS_SELECTOR, "form.override")[0]
    criterion = form.find_element(By.NAME, "criterion").get_attribute("value")
    Select(form.find_element(By.NAME, "answer")).select_by_value("na")
    form.find_element(By.NAME, "comment").send_keys("not asked on this call")
    form.find_element(By.TAG_NAME, "button").click()
    arrives(arrived.url_contains(f"#review-{criterion}"))
    quote = browser.find_element(By.CSS_SELECTOR, '#t2 a[href="#t2"]')  # the time of turn 2
    quote.click()
    arrives(lambda b: b.execute_script("return document.getElementById('player').currentTime") >= 8)
    arrives(lambda b: "playing" in b.find_element(By.ID, "t2").get_attribute("class"))
    assert plays_the_muted_copy(browser)

    cell = browser.find_element(By.ID, f"review-{criterion}")
    assert "by ria" in cell.text and "not asked on this call" in cell.text
    assert "Review history" in browser.page_source
    agreement = subprocess.run(
        [sys.executable, "-m", "callqa.pipelines.cli", "agreement", "--db", db],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert criterion in agreement  # the override is a review like `callqa review`'s
    assert unreachable(browser) == []  # the player and the turns' times take the keyboard
    browser.get(url + "/queue")
    assert unlabelled(browser) == [] and unreachable(browser) == []
    sign_out(browser)
    browser.get(url + "/calls/c-04.html")
    assert browser.current_url.endswith("/login")  # signed out means signed out


def test_two_reviewers_calibrate_and_a_lead_erases_a_call(workspace, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as arrived

    url, db = workspace
    sign_in(browser, url, "lead")
    browser.get(url + "/calibration")
    browser.find_element(By.NAME, "name").send_keys("Week 48")
    browser.find_element(By.NAME, "calls").send_keys("c-01 c-02")
    browser.find_element(By.XPATH, "//button[text()='Start']").click()
    until(browser, arrived.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Week 48"))
    session = browser.current_url
    sign_out(browser)

    for who, greeted in (("ria", "yes"), ("sam", "no")):
        sign_in(browser, url, who)
        for call_id in ("c-01", "c-02"):
            browser.get(f"{session}/calls/{call_id}")
            assert "Agreement" not in browser.page_source and unlabelled(browser) == []
            browser.execute_script(
                "document.querySelectorAll('input[type=radio][value=yes]')"
                ".forEach(r => r.checked = true);"
            )
            browser.find_element(By.CSS_SELECTOR, f"input[name=greeted][value={greeted}]").click()
            browser.find_element(By.XPATH, "//button[text()='Save and go on']").click()
            until(browser, arrived.url_changes(f"{session}/calls/{call_id}"))
        assert "Agreement per criterion" in browser.page_source
        sign_out(browser)
    sign_in(browser, url, "lead")
    browser.get(session)
    disputes = browser.find_element(By.ID, "disagreements").text
    assert "c-01" in disputes and "c-02" in disputes  # ria said yes, sam no

    browser.get(url + "/calls/c-01.html")
    browser.find_element(By.NAME, "confirm").send_keys("c-01")
    browser.find_element(By.XPATH, "//button[text()='Erase everywhere']").click()
    until(browser, arrived.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Stored calls"))
    assert "3 call(s) match" in browser.page_source
    browser.get(url + "/calls/c-01.html")
    assert "Not found" in browser.find_element(By.TAG_NAME, "h1").text

    browser.get(url + "/calls/c-02.html")  # a form that lost its token is refused
    browser.execute_script("document.querySelectorAll('input[name=csrf]')"
                           ".forEach(i => i.remove());")  # fmt: skip
    browser.find_elements(By.CSS_SELECTOR, "form.override button")[0].click()
    until(browser, arrived.url_contains("/review"))
    assert "Not for this account" in browser.find_element(By.TAG_NAME, "h1").text


def plays_the_muted_copy(browser) -> bool:
    """The player got the muted copy: it knows the recording's length."""
    duration = browser.execute_script("return document.getElementById('player').duration")
    return duration is not None and abs(duration - 12.0) < 0.5

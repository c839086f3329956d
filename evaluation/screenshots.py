"""Screenshots of the review workspace for the docs, taken in Debian's Chromium.

Runs callqa on the bundled sample into a fresh store, adds accounts and a review, starts
``callqa serve`` and saves a PNG per page into ``docs/screenshots/``.

    python -m callqa.evaluation.screenshots            # needs chromium and chromium-driver
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "screenshot-password"
PAGES = {
    "calls": "/",
    "queue": "/queue",
    "call": "/calls/fl-20261120-0002.html",
    "coaching": "/agents/a-kevin.html",
    "scorecards": "/scorecards",
}


def callqa(*args: str, stdin: str | None = None) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "callqa.pipelines.cli", *args], input=stdin,
                   text=True, check=True, env=env, capture_output=True)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "callqa.db")
        callqa("run", str(ROOT / "samples"), "--db", db)
        callqa("user", "add", "lead", "--role", "admin", "--password-stdin", "--db", db,
               stdin=PASSWORD + "\n")  # fmt: skip
        callqa("review", "fl-20261120-0002", "probed", "yes", "--comment",
               "asked when the drops happen", "--reviewer", "lead", "--db", db)  # fmt: skip
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "callqa.pipelines.cli", "serve", "--db", db, "--port",
             str(port)], env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(url + "/login", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            options = webdriver.ChromeOptions()
            for flag in ("--headless=new", "--no-sandbox", "--window-size=1280,1100"):
                options.add_argument(flag)
            options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
            driver = webdriver.Chrome(
                service=Service(shutil.which("chromedriver")), options=options
            )
            try:
                driver.get(url + "/login")
                driver.find_element("name", "name").send_keys("lead")
                driver.find_element("name", "password").send_keys(PASSWORD)
                driver.find_element("css selector", "button[type=submit]").click()
                time.sleep(1)
                args.out.mkdir(parents=True, exist_ok=True)
                for name, path in PAGES.items():
                    driver.get(url + path)
                    time.sleep(0.5)
                    driver.save_screenshot(str(args.out / f"{name}.png"))
                    print(f"saved {args.out / name}.png")
            finally:
                driver.quit()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()

"""The hall dashboard in a real headless Chromium over a loaded synthetic history."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import requests
from hallkit import TOKENS, serve_hall
from livekit import serving

from kernel.cli import main

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DAY = "2019-06-28"  # a working Friday with cases and open warnings in the history


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A store with 200 generated cases played through the lifecycle, ratings, OA steps."""
    where = tmp_path_factory.mktemp("history")
    history = where / "history.jsonl"
    assert main(["sandbox", "generate", "--cases", "200", "--seed", "3", "--year", "2019",
                 "--out", str(history)]) == 0
    db = f"sqlite:///{where / 'hall.db'}"
    assert main(["supervision", "load", str(history), "--db", db]) == 0
    return where, db


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): the dashboard's "
                    "browser test needs it; CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def test_the_dashboard_shows_the_kpis_the_api_gives_with_no_console_errors(
        loaded, browser, tmp_path, caplog):
    where, db = loaded
    kernel, app = serve_hall(where / "serve", db_url=db)
    try:
        with caplog.at_level(logging.ERROR, logger="onetrip"), serving(app) as url:
            auth = {"Authorization": f"Bearer {TOKENS['auditor']}"}
            api = requests.get(f"{url}/v1/kpis", headers=auth, timeout=120).json()
            board = requests.get(f"{url}/v1/supervision/dashboard?day={DAY}", headers=auth,
                                 timeout=120).json()
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            problems: list[str] = []
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{url}/dashboard?day={DAY}")
            page.wait_for_selector("#login-form", state="visible")  # no token yet: 401
            problems.clear()  # the 401 that asked for the token is the browser's own log line
            page.fill("#token", TOKENS["auditor"])
            page.click("#login-form button")
            page.wait_for_selector("#status[data-ready='1']", timeout=120_000)
            shown = page.eval_on_selector_all(
                "[data-kpi]", "els => els.map(e => [e.dataset.kpi, e.dataset.value])")
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
            today = page.get_attribute("#today-total", "data-cases")
            counts = {lvl: page.inner_text(f"[data-warnings='{lvl}']")
                      for lvl in ("yellow", "red", "overdue")}
    finally:
        kernel.close()
    assert problems == []
    figures = {k: v["value"] for k, v in api["figures"].items()}
    assert {k: (float(v) if v else None) for k, v in shown} == figures
    # non-empty: every figure has a value over the loaded history
    assert all(v is not None for v in figures.values()), figures
    assert api["cases"] == 200 and figures["satisfaction"] > 0.9
    assert int(today) == board["today"]["cases"] > 0
    assert {k: int(v) for k, v in counts.items()} == {
        lvl: board["warnings"]["counts"][lvl] for lvl in counts}
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000


def test_the_dashboard_data_follows_the_roles(loaded, tmp_path):
    where, db = loaded
    kernel, app = serve_hall(where / "roles", db_url=db)
    try:
        with serving(app) as url:
            page = requests.get(f"{url}/dashboard", timeout=60)
            assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
            for role, status in (("clerk", 403), ("auditor", 200), ("admin", 200)):
                res = requests.get(f"{url}/v1/supervision/dashboard?day={DAY}", timeout=120,
                                   headers={"Authorization": f"Bearer {TOKENS[role]}"})
                assert res.status_code == status, (role, res.text)
            assert requests.get(f"{url}/v1/supervision/dashboard", timeout=60).status_code == 401
    finally:
        kernel.close()

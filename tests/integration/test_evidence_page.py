"""packet.html in a real headless Chromium (Debian's `chromium`, which `make test` installs):
it renders its charts with no console error and without a single network request, so it
opens offline. A screenshot is saved; USM_SCREENSHOT_DIR keeps a copy (the README's image)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import World

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("USM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing; `make browser` installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed; `make browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _open(browser, page_file: Path, screenshot: Path) -> dict:
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    seen = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.goto(page_file.as_uri(), wait_until="load")
    charts = page.locator("svg")
    seen["charts"] = charts.count()
    seen["drawn"] = sum(1 for i in range(charts.count()) if (charts.nth(i).bounding_box() or {}).get("width", 0) > 100)
    seen["title"] = page.locator("h1").inner_text()
    page.screenshot(path=str(screenshot), full_page=False)
    context.close()
    return seen


def test_the_packet_page_renders_offline_with_no_console_error(packets: World, browser, tmp_path):
    month = packets.months()[-1]
    client = sorted(p.name for p in (packets.output / "evidence" / month).iterdir() if p.name != "organisation")[0]
    for scope in ("organisation", client):
        page_file = packets.output / "evidence" / month / scope / "packet.html"
        screenshot = tmp_path / f"{scope}.png"
        seen = _open(browser, page_file, screenshot)
        assert seen["console"] == [] and seen["errors"] == [], scope
        # The page itself, and nothing else: no script, font, image or style fetched.
        assert seen["requests"] == [page_file.as_uri()], scope
        # Six charts (SLA by priority, trend, backlog, exceptions, revenue, departments), all drawn.
        assert seen["charts"] == 6 and seen["drawn"] == 6, scope
        assert "evidence for" in seen["title"]
        assert screenshot.stat().st_size > 20_000
        if os.environ.get("USM_SCREENSHOT_DIR") and packets.name == "demo-seed7" and scope == "organisation":
            shutil.copy(screenshot, Path(os.environ["USM_SCREENSHOT_DIR"]) / "evidence-packet.png")

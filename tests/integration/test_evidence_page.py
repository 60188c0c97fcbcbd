"""packet.html in a real headless Chromium (Debian's `chromium`, which `make test` installs):
it renders its charts with no console error and without a single network request, so it
opens offline, and it fits a 1280 px wide screen, long values and all. A screenshot is saved;
USM_SCREENSHOT_DIR keeps a copy (the README's image)."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import World

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREEN_WIDTH = 1280
# The right edge of the element reaching furthest right, every element of the page counted.
RIGHTMOST = """() => Math.max(...Array.from(document.querySelectorAll('*'), e => e.getBoundingClientRect().right))"""


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
    context = browser.new_context(viewport={"width": SCREEN_WIDTH, "height": 1400})
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
    seen["scroll_width"] = page.evaluate("document.documentElement.scrollWidth")
    seen["rightmost"] = page.evaluate(RIGHTMOST)
    seen["text"] = page.locator("body").inner_text()
    page.screenshot(path=str(screenshot), full_page=False)
    context.close()
    return seen


def _assert_fits(seen: dict, scope: str) -> None:
    """Nothing to scroll sideways, and no element drawn past the screen's right edge (an element
    can overflow a box that clips it without widening the document)."""
    assert seen["scroll_width"] <= SCREEN_WIDTH, scope
    assert seen["rightmost"] <= SCREEN_WIDTH, scope


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
        _assert_fits(seen, scope)
        assert screenshot.stat().st_size > 20_000
        if os.environ.get("USM_SCREENSHOT_DIR") and packets.name == "demo-seed7" and scope == "organisation":
            shutil.copy(screenshot, Path(os.environ["USM_SCREENSHOT_DIR"]) / "evidence-packet.png")


# What a real site's marts can hold that the generator's do not: a client's full legal name, a
# category and a department spelt out, ticket numbers and ids far longer than the generator's.
LONG_NAME = " International Holdings and Subsidiaries of the Greater Metropolitan Area"
LONG_CATEGORY = " - Wide Area Network Link Degradation at a Regional Branch Office"
LONG_DEPARTMENT = " and Shared Services Operations for the Northern Region"
LONG_ID = "-" + "7" * 60
LENGTHENED = [
    "update marts.dim_clients set client_name = client_name || $name",
    "update marts.fct_tickets set category = category || $category, ticket_id = ticket_id || $id",
    # The breaches table joins the tickets by ticket_id: lengthened alike, it still does.
    "update marts.ticket_sla set ticket_id = ticket_id || $id",
    "update marts.revenue_vs_effort_monthly set category = category || $category",
    "update marts.department_turnaround_monthly set department = department || $department",
    "update marts.backlog_daily set department = department || $department",
    "update marts.recon_exceptions set entity_id = entity_id || $id where entity_type <> 'work_item'",
]


def test_the_packet_page_fits_the_screen_with_long_names_and_ids(packets: World, browser, tmp_path):
    from pipelines.evidence.packets import write_packets
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    snapshot = tmp_path / SNAPSHOT_FILE
    shutil.copy(packets.output / SNAPSHOT_FILE, snapshot)
    values = {"name": LONG_NAME, "category": LONG_CATEGORY, "department": LONG_DEPARTMENT, "id": LONG_ID}
    with duckdb.connect(str(snapshot)) as con:
        for statement in LENGTHENED:
            con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
        # The client with the most open exceptions, so that its key actions hold long ticket numbers.
        (client,) = con.execute(
            "select client_id from marts.recon_exceptions where review_status = 'open' "
            "group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()
    month = date.fromisoformat(f"{packets.months()[-1]}-01")
    write_packets(snapshot, tmp_path / "output", month, currency="USD")
    for scope in ("organisation", client):
        seen = _open(
            browser,
            tmp_path / "output" / "evidence" / month.strftime("%Y-%m") / scope / "packet.html",
            tmp_path / f"{scope}.png",
        )
        assert seen["console"] == [] and seen["errors"] == [], scope
        # The long values are on the page: the test measures what it means to.
        assert LONG_CATEGORY.strip() in seen["text"] and LONG_ID in seen["text"], scope
        if scope != "organisation":
            assert LONG_NAME in seen["title"]
        _assert_fits(seen, scope)

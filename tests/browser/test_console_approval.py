"""Timetable approval in a real (headless) Chromium, on the service as
``transit demo`` wires it (demo city, 40 lines, no simulated fleet), with a
weekday draft of lines L05 and L12 rebuilt every 8 minutes, validated by a
planner: an approver logs in, opens the draft, reads its KPI deltas, trip
diff and Marey chart, approves it, publishes it from today's service day,
and sees the live version change, in the console and in the running
service (``/health``, without a restart); the draft's author is refused. Screens
go to ``out/console-screens/`` (named in docs/console.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from rich.console import Console

from tests.api.console_helpers import PASSWORD, add
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM
from tests.drafts.stored import store_demo_draft
from transit.bootstrap import Service, open_service
from transit.config import Config
from transit.console.access import Actor, Grant, Role
from transit.console.approval import DraftAct
from transit.model.service_days import service_day_of
from transit.store import schedules
from transit.store.approvals import change_draft
from transit.store.embedded import create_pool

SCREENS = Path(__file__).resolve().parents[2] / "out" / "console-screens"

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
async_playwright = pytest.importorskip("playwright.async_api").async_playwright


@pytest_asyncio.fixture(loop_scope="session")
async def service(empty_database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Service, int, int]]:
    """The running service, the draft's id and the live version it was made from."""
    config = Config(database_url=empty_database_url, data_dir=tmp_path / "data", http_port=0, jt808_port=0,
                    simulate=False)
    async with open_service(config, Console(quiet=True), demo=True) as running:
        pool = await create_pool(empty_database_url)
        try:
            await add(pool, "zhang", "approver", display_name="张审批")
            await add(pool, "planner-li", "planner", "approver", display_name="李起草")
            live = await schedules.find_live_version(pool)
            assert live is not None
            draft_id = await store_demo_draft(pool, live.id, ("L05", "L12"), 8 * 60)
            now = time.time()
            await change_draft(pool, draft_id, DraftAct.VALIDATE, Actor("wu", (Grant(Role.PLANNER),)), at=now,
                               today=service_day_of(now, "Asia/Shanghai"))
        finally:
            await pool.close()
        yield running, draft_id, live.id
        running.check()


async def log_in(page: object, base: str, username: str) -> None:
    await page.goto(f"{base}/console/login")  # type: ignore[attr-defined]
    await page.fill("#username", username)  # type: ignore[attr-defined]
    await page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    await page.click("button[type=submit]")  # type: ignore[attr-defined]
    await page.wait_for_url(f"{base}/console/")  # type: ignore[attr-defined]


async def test_an_approver_approves_and_publishes_a_draft(service: tuple[Service, int, int], tmp_path: Path) -> None:
    running, draft_id, live_id = service
    base = running.http_url
    SCREENS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900}, locale="zh-CN",
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            await log_in(page, base, "planner-li")  # the author may not approve their own draft
            await page.goto(f"{base}/console/drafts/{draft_id}")
            assert "不能审批自己起草的时刻表" in await page.locator("#actions").inner_text()
            assert await page.locator("#act-approve").count() == 0

            await log_in(page, base, "zhang")
            await page.click("#to-drafts")
            assert await page.locator("#live-version").get_attribute("data-version") == str(live_id)
            await page.keyboard.press("j")  # the keyboard's way in: choose the (only) draft, Enter opens it
            assert await page.evaluate("document.activeElement.dataset.draft") == str(draft_id)
            await page.keyboard.press("Enter")
            await page.wait_for_url(f"{base}/console/drafts/{draft_id}")
            assert await page.locator("#status").inner_text() == "已校验"
            kpis = await page.locator("#kpis tbody tr").all_inner_texts()
            assert len(kpis) == 10 and kpis[0].startswith("班次")
            assert await page.locator("#changes tbody tr").count() == 4  # L05 and L12, both directions
            assert await page.locator("svg.marey polyline").count() > 20
            kinds = set(await page.locator("#trips tbody tr td:first-child").all_inner_texts())
            assert kinds and kinds <= {"新增", "取消", "调整"}
            await page.screenshot(path=str(SCREENS / "draft.png"), full_page=True)
            await page.select_option("#line", "L12:1")
            await page.fill("#from", "07:00")
            await page.fill("#to", "09:00")
            await page.click("form.picker button")
            assert await page.locator("#trip-diff").get_attribute("data-line") == "L12"
            await page.locator("svg.marey").screenshot(path=str(SCREENS / "marey.png"))

            await page.fill("#reason-approve", "早高峰加密，已核对车辆")
            await page.click("#act-approve")
            assert await page.locator("#done").inner_text() == "已批准，指标与差异已冻结。"
            assert "zhang（审批员）" in await page.locator("#frozen").inner_text()
            await page.click("#act-publish")  # from today's service day, the form's default
            assert await page.locator("#status").inner_text() == "已发布"
            published = await page.locator("#live-version").get_attribute("data-version")
            assert published is not None and published != str(live_id)
            await page.screenshot(path=str(SCREENS / "draft-published.png"), full_page=True)
            # The running service switches to it (reading the demo city again takes a few seconds).
            for _ in range(120):
                if running.context.schedule_version == int(published):
                    break
                await asyncio.sleep(0.5)
            await page.goto(f"{base}/health")
            assert f'"schedule_version":{published}' in await page.locator("body").inner_text()
            assert running.http_url == base and [s.to_version for s in running.switches] == [int(published)]
            # Legible where the machine has no CJK font (Debian: fonts-noto-cjk).
            await page.goto(f"{base}/console/drafts/{draft_id}?lang=en&pick=L05:0&from=06:00&to=10:00")
            assert "frozen with the approval by zhang (approver)" in await page.locator("#frozen").inner_text()
            await page.screenshot(path=str(SCREENS / "draft-en.png"), full_page=True)

            await page.goto(f"{base}/console/versions?lang=en")
            rows = await page.locator("#manifest tbody tr").all_inner_texts()
            assert len(rows) == 1 and rows[0].startswith(f"{published} (#{draft_id})")
            await page.screenshot(path=str(SCREENS / "versions-en.png"), full_page=True)
        finally:
            await browser.close()

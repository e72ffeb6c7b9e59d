"""The console's log-in in a real (headless) Chromium, on the service as
``transit demo`` wires it (demo city, no simulated fleet): a logged-out
browser lands on the log-in page, logs in, and sees the home page with who
it is and its roles; a wrong password stays on the log-in page saying so.
Screenshots go to ``out/console-screens/`` (named in docs/console.md).

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; the test never
downloads a browser and skips when that one is missing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from rich.console import Console

from tests.api.console_helpers import PASSWORD, add
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM
from transit.bootstrap import Service, open_service
from transit.config import Config
from transit.store.embedded import create_pool

SCREENS = Path(__file__).resolve().parents[2] / "out" / "console-screens"

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
async_playwright = pytest.importorskip("playwright.async_api").async_playwright


@pytest_asyncio.fixture(loop_scope="session")
async def service(empty_database_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    config = Config(database_url=empty_database_url, data_dir=tmp_path / "data", http_port=0, jt808_port=0,
                    simulate=False)
    async with open_service(config, Console(quiet=True), demo=True) as running:
        pool = await create_pool(empty_database_url)
        try:
            await add(pool, "wang", "dispatcher:lines=1,2", "approver", display_name="王芳 <调度>")
        finally:
            await pool.close()
        yield running
        running.check()


async def test_a_dispatcher_logs_in_and_sees_the_home_page(service: Service, tmp_path: Path) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 800}, locale="zh-CN",
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            await page.goto(f"{service.http_url}/console/")
            assert page.url.startswith(f"{service.http_url}/console/login?next=")
            await page.fill("#username", "wang")
            await page.fill("#password", "wrong password")
            await page.click("button[type=submit]")
            assert "用户名或密码错误" in await page.locator("[role=alert]").inner_text()
            await page.screenshot(path=str(SCREENS / "login-wrong-password.png"))

            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{service.http_url}/console/")
            assert await page.locator("#display-name").inner_text() == "王芳 <调度>"
            roles = await page.locator("#roles li").all_inner_texts()
            assert roles == ["调度员 · 线路 1、2", "审批员 · 全部"]
            await page.screenshot(path=str(SCREENS / "home.png"), full_page=True)
            assert (SCREENS / "home.png").stat().st_size > 10_000

            await page.click("text=English")
            assert await page.locator("#roles li").all_inner_texts() == ["dispatcher · lines 1, 2", "approver · all"]
            # Legible where the machine has no CJK font (Debian: fonts-noto-cjk).
            await page.screenshot(path=str(SCREENS / "home-en.png"), full_page=True)
            await page.click("header button[type=submit]")  # log out
            await page.wait_for_url(f"{service.http_url}/console/login?bye=1")
            await page.goto(f"{service.http_url}/console/")
            assert "/console/login" in page.url
        finally:
            await browser.close()

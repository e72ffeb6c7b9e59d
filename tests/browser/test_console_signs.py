"""A sign operator's message in a real (headless) Chromium, on the service
as ``transit demo`` wires it (demo city and its sign registry, no simulated
fleet): the operator opens the signs' health, picks an electronic sign,
sends it a message full of markup, and sees it, as text, on the page of
that sign's stop; another stop's page does not show it. Screenshots go to
``out/console-screens/`` (named in docs/console.md).
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

MESSAGE = '<b onmouseover="alert(1)">东风路施工</b> 本站临时停用，请到北侧 50 米临时站候车'


@pytest_asyncio.fixture(loop_scope="session")
async def service(empty_database_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    config = Config(database_url=empty_database_url, data_dir=tmp_path / "data", http_port=0, jt808_port=0,
                    simulate=False)
    async with open_service(config, Console(quiet=True), demo=True) as running:
        pool = await create_pool(empty_database_url)
        try:
            await add(pool, "li", "sign_operator", display_name="李站牌")
        finally:
            await pool.close()
        yield running
        running.check()


async def test_a_sign_operator_sends_a_message_and_sees_it_on_the_stop_page(service: Service,
                                                                            tmp_path: Path) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    base = service.http_url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900}, locale="zh-CN",
        )
        errors: list[str] = []
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(f"{base}/console/signs")
            await page.fill("#username", "li")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{base}/console/signs")
            assert await page.locator("#sign-health tbody tr").count() == 4  # the demo's electronic signs
            await page.screenshot(path=str(SCREENS / "signs.png"), full_page=True)

            await page.locator("#sign-health tbody tr a").first.click()
            await page.wait_for_url(f"{base}/console/signs/*")
            stop_path = await page.locator("#stop-page").get_attribute("href")
            assert stop_path is not None and stop_path.startswith("/s/")
            await page.fill("#send-sign-text", MESSAGE)
            await page.fill("#send-sign-minutes", "30")
            await page.click("#send-sign button[type=submit]")
            await page.wait_for_url("**?sent=*")
            assert await page.locator("#showing td.message-text").inner_text() == MESSAGE
            await page.screenshot(path=str(SCREENS / "sign-message.png"), full_page=True)

            await page.click("#stop-page")
            await page.wait_for_url(f"{base}{stop_path}")
            notice = page.locator("#messages .notice")
            assert await notice.count() == 1
            assert (await notice.inner_text()).startswith(MESSAGE)  # the markup shown as text
            assert await page.locator("#messages b").count() == 0
            await page.evaluate("window.stopPage.refresh()")  # the page's own redraw keeps it, as text
            assert (await notice.inner_text()).startswith(MESSAGE) and await page.locator("#messages b").count() == 0
            await page.screenshot(path=str(SCREENS / "stop-page-message.png"), full_page=True)

            other = "/s/" + ("S0002" if stop_path != "/s/S0002" else "S0003")
            await page.goto(f"{base}{other}")
            assert await page.locator("#messages .notice").count() == 0

            await page.goto(f"{base}/console/signs?lang=en")
            assert await page.locator("#showing td.message-text").inner_text() == MESSAGE
            await page.screenshot(path=str(SCREENS / "signs-en.png"), full_page=True)
            assert errors == []
        finally:
            await browser.close()

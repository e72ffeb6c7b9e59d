"""The console by keyboard alone in a real (headless) Chromium: a dispatcher
goes to the alarms with ``g a``, walks the open alarms with ``j``/``k``,
acknowledges one with ``a``, a note and Enter; ``?`` opens the help and Esc
closes it; a ``g`` typed in a field stays in the field; on the live table
``j`` and Enter open a line's ladder; ``/`` puts the cursor in a report's
day. The alarms are put in the store by hand (the simulator's bunching is
test_console_live's business). The screenshots (the chosen alarm, the help
panel) go to ``out/console-screens/`` (named in docs/console.md).

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; the test
never downloads a browser and skips when that one is missing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web

from tests.api.console_helpers import PASSWORD, add
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, NEEDS_CHROMIUM
from tests.clock import Clock
from tests.simulator.helpers import WEEKDAY, make_network
from transit.api.app import ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.api.console.app import CONSOLE_APP
from transit.api.console.live import LIVE
from transit.console.alarms import AlarmKind, Condition
from transit.live.tracking import LiveTracking
from transit.model.service_days import service_day_origin
from transit.store.alarms import trigger_alarms
from transit.tracking.tracker import Tracker

SCREENS = Path(__file__).resolve().parents[2] / "out" / "console-screens"
NETWORK = make_network(lines=2, stops_per_line=6)
EIGHT = service_day_origin(WEEKDAY, NETWORK.timezone).timestamp() + 8 * 3600

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
async_playwright = pytest.importorskip("playwright.async_api").async_playwright


async def _ok() -> int:
    return 1


def _bunching(vehicle: str, ahead: str) -> Condition:
    return Condition(AlarmKind.BUNCHING, f"bunching:L1:{vehicle}", frozenset({"L1"}), vehicle,
                     {"ahead": ahead, "stop_id": "L1-0-S03", "actual_s": 120.0, "scheduled_s": 600.0,
                      "threshold": 0.75})


@pytest_asyncio.fixture(loop_scope="session")
async def console_url(clean_pool: asyncpg.Pool) -> AsyncIterator[tuple[str, list[int]]]:
    """The console's address and the ids of the two open alarms, newest first."""
    await add(clean_pool, "wang", "dispatcher:lines=L1", display_name="王芳")
    made = await trigger_alarms(clean_pool, [_bunching("v1", "v2")], EIGHT - 120)
    made += await trigger_alarms(clean_pool, [_bunching("v3", "v4")], EIGHT - 60)
    clock = Clock(EIGHT)
    app = init_app(ServiceContext(NETWORK, 1, LiveTracking(Tracker(NETWORK), clock), _ok, clock),
                   store=clean_pool, console=ConsoleSettings(), wall_clock=time.time)
    await app[CONSOLE_APP][LIVE].watch.load()  # no watch rounds: they would resolve these made-up alarms
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield "http://{}:{}".format(*runner.addresses[0][:2]), [a.id for a in reversed(made)]
    finally:
        await runner.cleanup()


async def _focused(page) -> str:  # type: ignore[no-untyped-def]
    """What has the focus: ``tr:<alarm or route>``, ``input:<name>``, or the tag."""
    return await page.evaluate("""() => {
        const el = document.activeElement;
        if (el.tagName === 'TR') return 'tr:' + (el.dataset.alarm || el.dataset.route || el.dataset.draft);
        if (el.tagName === 'INPUT') return 'input:' + el.name;
        return el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
    }""")


async def test_a_dispatcher_acknowledges_an_alarm_by_keyboard(console_url: tuple[str, list[int]]) -> None:
    url, (newest, older) = console_url
    SCREENS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(viewport={"width": 1400, "height": 900},
                                                    locale="zh-CN")).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{url}/console/login")
            await page.fill("#username", "wang")
            await page.fill("#password", PASSWORD)
            await page.keyboard.press("Enter")
            await page.wait_for_url(f"{url}/console/")

            await page.keyboard.press("Tab")  # the first stop of the tab order skips to the content
            assert await _focused(page) == "a.skip" and await page.locator("a.skip").is_visible()

            await page.keyboard.press("g")
            await page.keyboard.press("a")
            await page.wait_for_url(f"{url}/console/alarms")
            await page.keyboard.press("j")
            assert await _focused(page) == f"tr:{newest}"
            outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline == "solid"  # the chosen row shows it
            await page.screenshot(path=str(SCREENS / "keys-alarm-chosen.png"))
            await page.keyboard.press("j")
            assert await _focused(page) == f"tr:{older}"
            await page.keyboard.press("j")  # the last row stays chosen
            assert await _focused(page) == f"tr:{older}"
            await page.keyboard.press("k")
            assert await _focused(page) == f"tr:{newest}"

            await page.keyboard.press("a")
            assert await _focused(page) == "input:note"
            await page.keyboard.type("已联系后车司机 g a")  # the g and a stay in the note
            assert page.url == f"{url}/console/alarms"
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            row = page.locator(f'tr[data-alarm="{newest}"]')
            assert await row.get_attribute("class") == "acknowledged"
            state = await row.locator("td.ack").inner_text()
            assert "已确认" in state and "wang（调度员）" in state and "已联系后车司机 g a" in state
            assert await page.locator(f'tr[data-alarm="{older}"]').get_attribute("class") == "triggered"

            # A g typed in a field is text, not a shortcut; Esc leaves the field and the keys work again.
            note = page.locator(f'tr[data-alarm="{older}"] input[name=note]')
            await note.focus()
            await page.keyboard.type("gl")
            await page.wait_for_timeout(300)
            assert page.url == f"{url}/console/alarms" and await note.input_value() == "gl"
            await page.keyboard.press("Escape")
            assert await _focused(page) == "body"

            await page.keyboard.press("?")
            help_panel = page.locator("#keys-help")
            assert await help_panel.is_visible()
            assert await help_panel.locator("dt").count() == 13
            await page.screenshot(path=str(SCREENS / "keys-help.png"))
            await page.keyboard.press("Escape")
            assert not await help_panel.is_visible()
            await page.click("#keys-hint")  # the header's hint opens it too
            assert await help_panel.is_visible()
            await page.keyboard.press("Escape")
            assert not await help_panel.is_visible()

            await page.keyboard.press("g")
            await page.keyboard.press("l")
            await page.wait_for_url(f"{url}/console/live")
            await page.keyboard.press("j")
            assert await _focused(page) == "tr:L1"
            await page.keyboard.press("Enter")
            await page.wait_for_url(f"{url}/console/lines/L1")

            await page.goto(f"{url}/console/reports/ridership")
            await page.keyboard.press("/")  # the page's first filter field, and no slash typed in it
            assert await _focused(page) == "input:day" and "/" not in await page.locator("#day").input_value()

            await page.goto(f"{url}/console/alarms?lang=en")
            await page.keyboard.press("?")
            await page.screenshot(path=str(SCREENS / "keys-help-en.png"))
            assert "Keyboard shortcuts" in await page.locator("#keys-help").inner_text()
            assert errors == []
        finally:
            await browser.close()

"""The console's keyboard, server side: the table of shortcuts (every text
in both languages, no key doing two things, every key handled by keys.js),
the help panel, and the page frame a keyboard needs (a skip link, the help,
``keys.js`` served from the package on every page of a logged-in user,
with or without the live view, and every form field labelled)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

import asyncpg

from tests.api.console_helpers import T0, add, console_client, log_in
from tests.clock import Clock
from transit.api.console import ConsoleSettings
from transit.api.console.keys_html import GO_KEYS, LIST_KEYS, PAGE_KEYS, help_panel, list_groups
from transit.api.console.texts import LANGUAGES, TEXTS

SCRIPT = resources.files("transit.api.console").joinpath("keys.js").read_text()


def test_every_shortcut_is_worded_in_both_languages() -> None:
    for lang in LANGUAGES:
        for title, shortcuts in list_groups():
            assert TEXTS[lang][title]
            assert all(TEXTS[lang][s.text] for s in shortcuts)


def test_no_key_does_two_things() -> None:
    letters = [k.letter for k in GO_KEYS]
    assert len(set(letters)) == len(letters)
    singles = [s.keys for s in PAGE_KEYS + LIST_KEYS]
    assert len(set(singles)) == len(singles)
    assert ("g",) not in singles  # g starts the go keys
    assert len({k.path for k in GO_KEYS}) == len(GO_KEYS) and GO_KEYS[0].path == "/"


def test_keys_js_handles_every_key_the_help_lists() -> None:
    for shortcut in PAGE_KEYS + LIST_KEYS:
        key = {"Esc": "Escape"}.get(shortcut.keys[0], shortcut.keys[0])
        assert f"'{key}'" in SCRIPT, key
    assert "'g'" in SCRIPT and "data-go" in SCRIPT


def test_the_help_panel_lists_every_shortcut_escaped() -> None:
    panel = help_panel("en")
    assert panel.startswith('<dialog id="keys-help"') and 'id="keys-close"' in panel
    assert panel.count("<dt>") == len(GO_KEYS) + len(PAGE_KEYS) + len(LIST_KEYS)
    assert "<kbd>g</kbd> <kbd>a</kbd></dt><dd>Alarms</dd>" in panel
    assert "<kbd>?</kbd></dt><dd>Show this help</dd>" in panel
    assert "<dd>显示本帮助</dd>" in help_panel("zh")


class _Fields(HTMLParser):
    """The form fields of a page (hidden ones aside) and the ids labels name."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.fields.append(found)


def unlabelled(html: str) -> list[dict[str, str | None]]:
    parser = _Fields()
    parser.feed(html)
    return [f for f in parser.fields if not f.get("aria-label") and f.get("id") not in parser.labelled]


def test_an_unlabelled_field_is_found() -> None:
    assert unlabelled('<label for="a">A</label><input id="a"><input type="hidden" name="t">') == []
    assert unlabelled('<input id="b" name="b"><select aria-label="x"></select>') == [{"id": "b", "name": "b"}]


async def test_every_page_of_a_logged_in_user_has_the_keyboard(clean_pool: asyncpg.Pool) -> None:
    await add(clean_pool, "li", "admin", display_name="李明")
    async with console_client(clean_pool, ConsoleSettings(), Clock(T0)) as client:
        login = await (await client.get("/console/login")).text()
        assert '<a class="skip" href="#main">跳到正文</a>' in login and 'id="main"' in login
        assert "keys.js" not in login and "keys-help" not in login  # nothing to go to yet
        await log_in(client, "li")
        for path in ("/console/", "/console/drafts", "/console/versions", "/console/audit"):
            text = await (await client.get(path)).text()
            assert '<script src="/console/keys.js" defer></script>' in text, path
            assert '<dialog id="keys-help"' in text and 'id="keys-hint"' in text and "快捷键" in text, path
            assert text.index('class="skip"') < text.index("<header>") < text.index('<main id="main"'), path
            assert unlabelled(text) == [], path
            assert not re.search(r'(src|href)="https?:', text), path
        home = await (await client.get("/console/?lang=en")).text()
        for key in GO_KEYS:
            assert f'href="/console{key.path}" data-go="{key.letter}"' in home, key
        assert "Keyboard shortcuts" in home and "Skip to content" in home
        script = await client.get("/console/keys.js")  # served without the live view too
        assert script.status == 200 and script.content_type == "text/javascript"
        assert "script-src" not in script.headers["Content-Security-Policy"]  # default-src 'self' covers it
        assert await script.text() == SCRIPT

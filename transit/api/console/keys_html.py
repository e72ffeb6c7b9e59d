"""The console's keyboard shortcuts: which keys do what (one table, read by
the help panel, the header's links and the tests) and the help panel's HTML.
``keys.js`` does the work in the browser; the ``g`` shortcuts follow the
header links that carry ``data-go``, so a key only goes where the page
itself links."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from transit.api.console.texts import TEXTS


@dataclass(frozen=True)
class GoKey:
    """``g`` then ``letter`` goes to the console's ``path`` (named by ``text``)."""

    letter: str
    path: str  # under the console's prefix
    text: str  # a TEXTS key


@dataclass(frozen=True)
class Shortcut:
    keys: tuple[str, ...]  # pressed one after the other
    text: str  # a TEXTS key: what it does


# The header links, in their order; home (first) is the app's name on the left.
GO_KEYS = (GoKey("h", "/", "key_go_home"), GoKey("l", "/live", "live_title"), GoKey("a", "/alarms", "alarms_title"),
           GoKey("d", "/drafts", "drafts_title"), GoKey("r", "/reports", "reports_title"),
           GoKey("s", "/signs", "signs_title"))

PAGE_KEYS = (Shortcut(("/",), "key_find"), Shortcut(("?",), "key_help"), Shortcut(("Esc",), "key_escape"))

LIST_KEYS = (Shortcut(("j",), "key_next"), Shortcut(("k",), "key_previous"), Shortcut(("Enter",), "key_open"),
             Shortcut(("a",), "key_acknowledge"))


def list_groups() -> list[tuple[str, list[Shortcut]]]:
    """The help panel's groups (a TEXTS key and its shortcuts), in order."""
    go = [Shortcut(("g", k.letter), k.text) for k in GO_KEYS]
    return [("keys_group_go", go), ("keys_group_page", list(PAGE_KEYS)), ("keys_group_list", list(LIST_KEYS))]


def help_panel(lang: str) -> str:
    """A modal ``<dialog>`` (``?`` opens it, Esc or its button close it)."""
    words = TEXTS[lang]
    groups = []
    for title, shortcuts in list_groups():
        rows = "".join("<dt>" + " ".join(f"<kbd>{escape(k)}</kbd>" for k in s.keys)
                       + f"</dt><dd>{escape(words[s.text])}</dd>" for s in shortcuts)
        groups.append(f'<h3>{escape(words[title])}</h3><dl class="keys">{rows}</dl>')
    return (f'<dialog id="keys-help" aria-labelledby="keys-title">'
            f'<h2 id="keys-title">{escape(words["keys_title"])}</h2>'
            f'{"".join(groups)}<p class="note">{escape(words["keys_note"])}</p>'
            f'<p><button type="button" id="keys-close">{escape(words["keys_close"])}</button></p></dialog>')


def hint_button(lang: str) -> str:
    """The header's small hint that opens the help (for those who do not know ``?`` yet)."""
    words = TEXTS[lang]
    return (f'<button type="button" class="keys-hint" id="keys-hint" aria-haspopup="dialog"'
            f' aria-controls="keys-help" title="{escape(words["keys_hint_label"])}"'
            f' aria-label="{escape(words["keys_hint_label"])}">{escape(words["keys_hint"])}</button>')

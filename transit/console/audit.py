"""The audit log's entries: who (and as which role) did what to which object,
what it was before and after, why, and when; and their CSV form.

Every state-changing act of the console is written as one entry in the same
transaction as the change itself (``transit.store.audit``), and never
changed or removed after.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

CSV_HEADER = ("id", "at", "actor", "role", "action", "object_type", "object_id", "before", "after", "reason")
# A spreadsheet runs a cell starting with one of these as a formula: a display
# name or reason typed as "=HYPERLINK(...)" must stay text when an admin opens
# the export (OWASP's CSV injection advice: prefix a quote).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str  # username, or "shell:<os user>" for the command line
    role: str  # the role the act was done as ("shell" for the command line)
    action: str  # e.g. add_user, disable_user, approve_draft
    object_type: str  # e.g. user, draft, alarm, sign
    object_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    reason: str
    at: float  # unix seconds
    id: int | None = None  # given by the store


@dataclass(frozen=True, slots=True)
class Act:
    """Who does an act, as which role, when and why: the part of an audit
    entry the caller knows before the store says what changed."""

    actor: str
    role: str
    at: float
    reason: str = ""

    def entry(self, action: str, object_type: str, object_id: str,
              before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> AuditEntry:
        return AuditEntry(self.actor, self.role, action, object_type, object_id, before, after,
                          self.reason, self.at)


def csv_cells(entry: AuditEntry, timezone: str) -> list[str]:
    """One CSV row of ``entry``, its instant in ``timezone`` (ISO 8601 with offset)."""
    at = datetime.fromtimestamp(entry.at, ZoneInfo(timezone)).isoformat(timespec="seconds")
    cells = ["" if entry.id is None else str(entry.id), at, entry.actor, entry.role, entry.action,
             entry.object_type, entry.object_id, json_text(entry.before), json_text(entry.after), entry.reason]
    return [spreadsheet_text(cell) for cell in cells]


def json_text(value: Mapping[str, Any] | None) -> str:
    """A before or after value as JSON text (keys sorted, Chinese as is); none: empty."""
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def spreadsheet_text(cell: str) -> str:
    """A text cell a spreadsheet will not run as a formula (see ``_FORMULA_START``)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell

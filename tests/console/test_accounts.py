"""Session lifetimes, passwords, user checks and the audit log's CSV cells (pure)."""

from __future__ import annotations

import pytest

from transit.console.access import parse_grant
from transit.console.audit import CSV_HEADER, AuditEntry, csv_cells
from transit.console.passwords import (
    PasswordRejected,
    check_new_password,
    hash_password,
    verify_nobody,
    verify_password,
)
from transit.console.sessions import SessionPolicy, SessionState, needs_touch, session_state
from transit.console.users import UserInputError, new_user

POLICY = SessionPolicy(idle_s=1800, max_s=43200, touch_every_s=60)


def test_a_session_lapses_when_idle_and_at_its_maximum_whatever_happens() -> None:
    assert session_state(0, 1000, 1000 + 1799, POLICY) is SessionState.LIVE
    assert session_state(0, 1000, 1000 + 1800, POLICY) is SessionState.IDLE
    # Used every minute, it still ends 12 hours after log-in.
    assert session_state(0, 43199, 43199.5, POLICY) is SessionState.LIVE
    assert session_state(0, 43199, 43200, POLICY) is SessionState.EXPIRED
    assert not needs_touch(1000, 1059, POLICY) and needs_touch(1000, 1060, POLICY)
    with pytest.raises(ValueError, match="must be > 0"):
        SessionPolicy(idle_s=0)


def test_a_password_hash_matches_only_its_password() -> None:
    stored = hash_password("东风路 bus 7 depot")
    assert stored.startswith("$argon2id$") and "depot" not in stored
    assert verify_password(stored, "东风路 bus 7 depot")
    assert not verify_password(stored, "东风路 bus 7 depoT")
    assert not verify_password("not a hash", "anything")
    assert not verify_nobody("东风路 bus 7 depot")


@pytest.mark.parametrize(("password", "says"), [
    ("short", "at least 10 characters"),
    ("x" * 257, "at most 256"),
    ("Li.Ming.01", "may not be the username"),
])
def test_weak_passwords_are_refused_saying_why(password: str, says: str) -> None:
    with pytest.raises(PasswordRejected, match=says):
        check_new_password(password, "li.ming.01")


def test_a_new_user_is_normalised_and_checked() -> None:
    user = new_user(" Wang.Fang ", "  王芳  ", [parse_grant("viewer:lines=1"), parse_grant("viewer")])
    assert (user.username, user.display_name, [str(g) for g in user.grants]) == ("wang.fang", "王芳", ["viewer"])
    assert new_user("li", "", [parse_grant("admin")]).display_name == "li"
    with pytest.raises(UserInputError, match="username 'li ming'"):
        new_user("li ming", "", [parse_grant("viewer")])
    with pytest.raises(UserInputError, match="at least one role"):
        new_user("li", "", [])
    with pytest.raises(UserInputError, match="control"):
        new_user("li", "Li\u202eMing", [parse_grant("viewer")])
    with pytest.raises(UserInputError, match="at most 100"):
        new_user("li", "x" * 101, [parse_grant("viewer")])


def test_audit_cells_keep_chinese_and_never_start_a_formula() -> None:
    entry = AuditEntry("shell:root", "shell", "add_user", "user", "wang", None,
                       {"display_name": "=HYPERLINK(\"http://x\")", "roles": ["viewer"]},
                       "+新调度员", 1_772_400_000.0, 12)
    cells = csv_cells(entry, "Asia/Shanghai")
    assert len(cells) == len(CSV_HEADER)
    assert cells[:3] == ["12", "2026-03-02T05:20:00+08:00", "shell:root"]
    assert cells[7] == ""  # no before
    assert cells[8] == '{"display_name": "=HYPERLINK(\\"http://x\\")", "roles": ["viewer"]}'
    assert cells[9] == "'+新调度员"

"""The draft state machine, exhaustively: every state against every act (the
transitions), every asked act against every role, author or not (who), and
the holds: a draft that no longer applies to the live version, a rejection
without a reason, a publication dated in the past, a roll-back to what is live."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from transit.console.access import Actor, Grant, Refusal, Role, Scope, ScopeKind
from transit.console.approval import (
    ASKED,
    DraftAct,
    DraftFacts,
    DraftStatus,
    Hold,
    LiveState,
    check_service_date,
    decide_act,
    decide_roll_back,
    next_status,
    offered,
)

# Written out by hand from issue 14 and docs/console.md, not derived from the code.
EXPECTED = {
    "draft": {"validate": "validated", "reject": "rejected"},
    "validated": {"approve": "approved", "reject": "rejected"},
    "approved": {"publish": "published", "reject": "rejected"},
    "published": {"supersede": "superseded"},
    "superseded": {"restore": "published"},
    "rejected": {},
}
WHO = {"validate": {"planner"}, "approve": {"approver"}, "reject": {"approver"}, "publish": {"approver"}}
LIVE = LiveState(3)


def facts(status: DraftStatus, *, author: str = "planner-li", lines: frozenset[str] = frozenset({"R1", "R2"}),
          base: int = 3, compared: int = 3) -> DraftFacts:
    return DraftFacts(7, status, author, lines, base, compared)


def actor(name: str, *grants: Grant) -> Actor:
    return Actor(name, grants)


def test_every_state_and_act() -> None:
    assert {s.value for s in DraftStatus} == set(EXPECTED)
    for status, act in itertools.product(DraftStatus, DraftAct):
        expected = EXPECTED[status.value].get(act.value)
        assert next_status(status, act) == (None if expected is None else DraftStatus(expected)), (status, act)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("is_author", [False, True])
def test_who_may_do_each_asked_act_in_each_state(role: Role, is_author: bool) -> None:
    name = "planner-li" if is_author else "zhang"
    someone = actor(name, Grant(role))
    for status, act in itertools.product(DraftStatus, ASKED):
        verdict = decide_act(someone, act, facts(status), LIVE, reason="too few trips at 7:00")
        if role.value not in WHO[act.value]:
            assert verdict.refusal is Refusal.NO_ROLE, (role, status, act)
        elif act is DraftAct.APPROVE and is_author:
            assert verdict.refusal is Refusal.OWN_DRAFT, (status, act)
        elif act.value not in EXPECTED[status.value]:
            assert verdict.refusal is Hold.WRONG_STATE and verdict.detail == {"status": status.value, "act": act.value}
        else:
            assert verdict.allowed and verdict.role is role
            assert verdict.status == DraftStatus(EXPECTED[status.value][act.value])


def test_supersede_and_restore_are_never_asked_for() -> None:
    approver = actor("zhang", Grant(Role.APPROVER))
    assert decide_act(approver, DraftAct.SUPERSEDE, facts(DraftStatus.PUBLISHED), LIVE).refusal is Hold.WRONG_STATE
    assert decide_act(approver, DraftAct.RESTORE, facts(DraftStatus.SUPERSEDED), LIVE).refusal is Hold.WRONG_STATE


def test_a_draft_that_no_longer_applies_is_held_with_the_versions() -> None:
    approver = actor("zhang", Grant(Role.APPROVER))
    validated = facts(DraftStatus.VALIDATED)
    changed = decide_act(approver, DraftAct.APPROVE, validated, LiveState(5))
    assert changed.refusal is Hold.LIVE_CHANGED and changed.detail == {"live": 5, "compared": 3, "base": 3}
    other_base = decide_act(approver, DraftAct.APPROVE, facts(DraftStatus.VALIDATED, base=2), LIVE)
    assert other_base.refusal is Hold.NOT_ON_LIVE and other_base.detail["base"] == 2
    assert decide_act(approver, DraftAct.APPROVE, validated, LiveState(None)).refusal is Hold.NO_LIVE
    waiting = decide_act(approver, DraftAct.APPROVE, validated, LiveState(3, 9, date(2026, 7, 6)))
    assert waiting.refusal is Hold.PENDING and waiting.detail["pending"] == 9
    assert waiting.detail["pending_from"] == "2026-07-06"
    planner = actor("wu", Grant(Role.PLANNER))
    assert decide_act(planner, DraftAct.VALIDATE, facts(DraftStatus.DRAFT), LiveState(5)).refusal is Hold.LIVE_CHANGED
    assert decide_act(approver, DraftAct.PUBLISH, facts(DraftStatus.APPROVED), LiveState(5)).refusal \
        is Hold.LIVE_CHANGED
    # A stale draft can still be withdrawn.
    assert decide_act(approver, DraftAct.REJECT, validated, LiveState(5), reason="stale").allowed


def test_scope_four_eyes_and_reasons() -> None:
    one_line = actor("zhang", Grant(Role.APPROVER, Scope(ScopeKind.LINES, frozenset({"R1"}))))
    both = actor("zhao", Grant(Role.APPROVER, Scope(ScopeKind.LINES, frozenset({"R1", "R2", "R9"}))))
    validated = facts(DraftStatus.VALIDATED)
    assert decide_act(one_line, DraftAct.APPROVE, validated, LIVE).refusal is Refusal.OUT_OF_SCOPE
    assert decide_act(both, DraftAct.APPROVE, validated, LIVE).allowed
    author = actor("Planner-Li", Grant(Role.APPROVER), Grant(Role.PLANNER))
    assert decide_act(author, DraftAct.APPROVE, validated, LIVE).refusal is Refusal.OWN_DRAFT
    assert decide_act(author, DraftAct.REJECT, validated, LIVE, reason="withdrawn").allowed  # may withdraw it
    assert decide_act(both, DraftAct.REJECT, validated, LIVE, reason="  ").refusal is Hold.NO_REASON
    dispatcher = actor("wang", Grant(Role.DISPATCHER))
    assert decide_act(dispatcher, DraftAct.APPROVE, validated, LIVE).refusal is Refusal.NO_ROLE


def test_the_acts_offered_follow_the_state() -> None:
    approver = actor("zhang", Grant(Role.APPROVER))
    assert list(offered(approver, facts(DraftStatus.VALIDATED), LIVE)) == [DraftAct.APPROVE, DraftAct.REJECT]
    on_draft = offered(approver, facts(DraftStatus.DRAFT), LIVE)
    assert on_draft[DraftAct.VALIDATE].refusal is Refusal.NO_ROLE and on_draft[DraftAct.REJECT].allowed
    assert offered(approver, facts(DraftStatus.REJECTED), LIVE) == {}
    assert offered(approver, facts(DraftStatus.PUBLISHED), LIVE) == {}


def test_publication_dates() -> None:
    today = date(2026, 7, 1)
    assert check_service_date(today, today).allowed
    assert check_service_date(date(2026, 7, 6), today).allowed
    past = check_service_date(date(2026, 6, 30), today)
    assert past.refusal is Hold.DATE_PAST and past.detail == {"chosen": "2026-06-30", "today": "2026-07-01"}
    assert check_service_date(date(2027, 7, 3), today).refusal is Hold.DATE_FAR


def test_roll_back() -> None:
    approver = actor("zhang", Grant(Role.APPROVER))
    assert decide_roll_back(approver, 2, LIVE).role is Role.APPROVER
    assert decide_roll_back(approver, 3, LIVE).refusal is Hold.ALREADY_LIVE
    assert decide_roll_back(approver, 2, LiveState(3, 4, date(2026, 7, 6))).refusal is Hold.PENDING
    scoped = actor("zhao", Grant(Role.APPROVER, Scope(ScopeKind.LINES, frozenset({"R1", "R2"}))))
    assert decide_roll_back(scoped, 2, LIVE).refusal is Refusal.OUT_OF_SCOPE  # a version is every line
    assert decide_roll_back(actor("wang", Grant(Role.DISPATCHER)), 2, LIVE).refusal is Refusal.NO_ROLE

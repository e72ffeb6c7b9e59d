"""Who may do what in the console: roles, scopes over lines and depots, the
four-eyes rule on drafts, and the grant text ``transit users add --role`` takes."""

from __future__ import annotations

import pytest

from transit.console.access import (
    ROLES_FOR,
    Action,
    Actor,
    Decision,
    Grant,
    GrantError,
    Refusal,
    Role,
    Scope,
    ScopeKind,
    Target,
    decide,
    merge_grants,
    parse_grant,
)

LINE_1 = Target("line", "1", route_ids=frozenset({"1"}), depots=frozenset({"north"}))
LINE_9 = Target("line", "9", route_ids=frozenset({"9"}), depots=frozenset({"south"}))
NETWORK_WIDE = Target("audit")


def actor(*grants: str, name: str = "li.ming") -> Actor:
    return Actor(name, tuple(parse_grant(text) for text in grants))


def draft(author: str, *lines: str) -> Target:
    return Target("draft", "7", route_ids=frozenset(lines), depots=frozenset({"north"}), author=author)


def test_every_action_has_roles_and_every_role_can_view() -> None:
    assert set(ROLES_FOR) == set(Action)
    assert ROLES_FOR[Action.VIEW] == frozenset(Role)
    assert all(decide(actor(role.value), Action.VIEW, LINE_1).allowed for role in Role)


def test_a_role_acts_only_within_its_lines() -> None:
    dispatcher = actor("dispatcher:lines=1,2")
    assert decide(dispatcher, Action.ACKNOWLEDGE_ALARM, LINE_1) == Decision(role=Role.DISPATCHER)
    assert decide(dispatcher, Action.ACKNOWLEDGE_ALARM, LINE_9) == Decision(Refusal.OUT_OF_SCOPE)
    assert decide(dispatcher, Action.VIEW, LINE_9).refusal is Refusal.OUT_OF_SCOPE
    # A draft touching a line outside the scope is out of scope as a whole.
    approver = actor("approver:lines=1,2", name="wang")
    assert decide(approver, Action.APPROVE_DRAFT, draft("zhao", "1", "2")).allowed
    assert decide(approver, Action.APPROVE_DRAFT, draft("zhao", "1", "9")).refusal is Refusal.OUT_OF_SCOPE


def test_a_depot_scope_covers_what_the_depot_runs() -> None:
    dispatcher = actor("dispatcher:depots=north")
    assert decide(dispatcher, Action.CHANGE_THRESHOLD, LINE_1).allowed
    assert decide(dispatcher, Action.CHANGE_THRESHOLD, LINE_9).refusal is Refusal.OUT_OF_SCOPE


def test_network_wide_objects_need_a_role_over_everything() -> None:
    assert decide(actor("viewer:lines=1"), Action.VIEW, NETWORK_WIDE).refusal is Refusal.OUT_OF_SCOPE
    assert decide(actor("sign_operator:depots=north"), Action.SEND_SIGN_MESSAGE,
                  Target("signs", "all")).refusal is Refusal.OUT_OF_SCOPE
    assert decide(actor("sign_operator"), Action.SEND_SIGN_MESSAGE, Target("signs", "all")).allowed


def test_a_role_without_the_power_is_refused_whatever_its_scope() -> None:
    assert decide(actor("dispatcher"), Action.APPROVE_DRAFT, draft("zhao", "1")) == Decision(Refusal.NO_ROLE)
    assert decide(actor("viewer"), Action.ACKNOWLEDGE_ALARM, LINE_1).refusal is Refusal.NO_ROLE
    assert decide(actor("planner"), Action.PUBLISH_DRAFT, draft("zhao", "1")).refusal is Refusal.NO_ROLE
    # Admin manages people and reads the audit log, and nothing operational.
    admin = actor("admin")
    assert decide(admin, Action.MANAGE_USERS, Target("user", "wang")).role is Role.ADMIN
    assert decide(admin, Action.VIEW_AUDIT, NETWORK_WIDE).allowed
    assert decide(admin, Action.APPROVE_DRAFT, draft("zhao", "1")).refusal is Refusal.NO_ROLE
    assert decide(actor("approver"), Action.VIEW_AUDIT, NETWORK_WIDE).refusal is Refusal.NO_ROLE


def test_an_approver_never_approves_their_own_draft() -> None:
    both = actor("planner", "approver", name="zhao")
    assert decide(both, Action.PREPARE_DRAFT, draft("zhao", "1")).allowed
    assert decide(both, Action.APPROVE_DRAFT, draft("zhao", "1")) == Decision(Refusal.OWN_DRAFT)
    assert decide(both, Action.APPROVE_DRAFT, draft(" ZHAO ", "1")).refusal is Refusal.OWN_DRAFT
    assert decide(both, Action.APPROVE_DRAFT, draft("wang", "1")) == Decision(role=Role.APPROVER)
    # Rejecting one's own draft (withdrawing it) stays open; a draft of nobody known is approvable.
    assert decide(both, Action.REJECT_DRAFT, draft("zhao", "1")).allowed
    assert decide(both, Action.APPROVE_DRAFT, draft("", "1")).allowed


def test_the_role_acted_as_is_the_first_that_may() -> None:
    both = actor("sign_operator:lines=1", "viewer")
    assert decide(both, Action.VIEW, LINE_1).role is Role.VIEWER
    assert decide(both, Action.SEND_SIGN_MESSAGE, LINE_1).role is Role.SIGN_OPERATOR


def test_grants_read_and_write_the_same_text() -> None:
    for text in ("viewer", "dispatcher:lines=1,12", "approver:depots=north,south", "admin"):
        assert str(parse_grant(text)) == text
    assert parse_grant(" planner:all ") == Grant(Role.PLANNER)
    assert parse_grant("dispatcher:lines= 3 , 1,") == Grant(Role.DISPATCHER, Scope(ScopeKind.LINES,
                                                                                    frozenset({"1", "3"})))


@pytest.mark.parametrize(("text", "says"), [
    ("boss", "unknown role 'boss'"),
    ("dispatcher:routes=1", "unknown scope 'routes'"),
    ("dispatcher:lines=", "lines= needs at least one id"),
    ("dispatcher:lines", "lines= needs at least one id"),
    ("viewer:all=1", "'all' takes no ids"),
    ("admin:lines=1", "admin is granted over everything"),
])
def test_bad_grants_are_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(GrantError, match=says):
        parse_grant(text)


def test_grants_merge_per_role_and_a_whole_network_grant_wins() -> None:
    merged = merge_grants([parse_grant("dispatcher:lines=2"), parse_grant("viewer:lines=1"),
                           parse_grant("dispatcher:lines=1"), parse_grant("viewer"),
                           parse_grant("dispatcher:depots=north")])
    assert [str(grant) for grant in merged] == ["viewer", "dispatcher:lines=1,2", "dispatcher:depots=north"]

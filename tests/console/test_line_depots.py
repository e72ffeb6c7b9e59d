"""Lines' depots: every target carries the depots of the lines it touches, so
a role scoped to depots reaches exactly those lines' alarms, pages, signs and
drafts; a line of no depot is out of every depot scope; the default is each
line's nearest depot to its terminals; the file's problems are all named."""

from __future__ import annotations

import pytest

from feeds.schedules.depots import DepotsFileError, DepotSite
from feeds.schedules.line_depots import derived_line_depots, parse_line_depots
from tests.simulator.helpers import make_network
from transit.console.access import Action, Actor, Refusal, Role, decide, parse_grant
from transit.console.approval import DraftAct, DraftFacts, DraftStatus, LiveState, decide_act
from transit.console.line_depots import NO_DEPOT, LineDepots, line_depots, nearest_depots

DEPOTS = line_depots([("L1", "北站"), ("L2", "南站"), ("L3", "北站"), ("L3", "南站")])
NETWORK = make_network(lines=2)  # L1 along lat 35.080 from lon 108.93 east 4.4 km; L2 1 km north of it


def actor(*grants: str) -> Actor:
    return Actor("li", tuple(parse_grant(g) for g in grants))


def test_a_target_carries_the_depots_of_its_lines() -> None:
    assert DEPOTS.line("L1").depots == frozenset({"北站"})
    assert DEPOTS.touching("sign", "S", frozenset({"L1", "L3"})).depots == frozenset({"北站", "南站"})
    assert DEPOTS.of(["L1", "L9"]) == frozenset({"北站", NO_DEPOT})  # L9 belongs to no depot
    assert DEPOTS.touching("signs", "all", frozenset()).depots == frozenset()  # network-wide
    assert DEPOTS.lines_of("北站") == frozenset({"L1", "L3"})


def test_a_depot_scope_reaches_its_lines_only() -> None:
    north = actor("dispatcher:depots=北站")
    for route_id, allowed in (("L1", True), ("L2", False), ("L3", False), ("L9", False)):
        target = DEPOTS.touching("alarm", "7", frozenset({route_id}))
        assert decide(north, Action.ACKNOWLEDGE_ALARM, target).allowed is allowed, route_id
    both = actor("dispatcher:depots=北站,南站")
    assert decide(both, Action.ACKNOWLEDGE_ALARM, DEPOTS.touching("alarm", "7", frozenset({"L3"}))).allowed
    # A line of no depot among the lines: no depot scope covers the target, not even with L1's depot.
    mixed = DEPOTS.touching("alarm", "8", frozenset({"L1", "L9"}))
    assert decide(north, Action.VIEW, mixed).refusal is Refusal.OUT_OF_SCOPE
    assert decide(actor("dispatcher:lines=L1,L9"), Action.ACKNOWLEDGE_ALARM, mixed).allowed
    # Without a mapping no line has a depot: a depot scope reaches nothing.
    assert decide(north, Action.VIEW, LineDepots().line("L1")).refusal is Refusal.OUT_OF_SCOPE
    assert decide(actor("sign_operator:depots=北站"), Action.SEND_SIGN_MESSAGE,
                  DEPOTS.touching("signs", "all", frozenset())).refusal is Refusal.OUT_OF_SCOPE


def test_a_drafts_facts_carry_its_lines_depots_for_the_approver() -> None:
    facts = DraftFacts(3, DraftStatus.VALIDATED, "wu", frozenset({"L1"}), 1, 1, DEPOTS.of(["L1"]))
    live = LiveState(1)
    verdict = decide_act(actor("approver:depots=北站"), DraftAct.APPROVE, facts, live)
    assert verdict.allowed and verdict.role is Role.APPROVER
    assert decide_act(actor("approver:depots=南站"), DraftAct.APPROVE, facts, live).refusal is Refusal.OUT_OF_SCOPE


def test_each_line_takes_the_depot_nearest_its_terminals_within_reach() -> None:
    sites = {"West": (35.080, 108.925), "North": (35.095, 108.930), "Far": (40.0, 116.0)}
    found = nearest_depots(NETWORK, sites, 3_000.0)
    assert dict(found.depots_of) == {"L1": frozenset({"West"}), "L2": frozenset({"North"})}
    assert nearest_depots(NETWORK, sites, 300.0).depots_of == {}  # none within 300 m of a terminal
    east = DepotSite("East", 35.080, 108.980, 10)  # just past L1's east terminal, 1 km from L2's
    assert dict(derived_line_depots(NETWORK, (east,)).depots_of) == {"L1": frozenset({"East"}),
                                                                      "L2": frozenset({"East"})}


def test_a_line_depots_file_is_read_and_its_problems_named() -> None:
    assert parse_line_depots("route_id,depot\nL1,北站\n\nL3,北站\nL3,南站\n", "f.csv") == [
        ("L1", "北站"), ("L3", "北站"), ("L3", "南站")]
    with pytest.raises(DepotsFileError) as bad:
        parse_line_depots("route_id,depot\nL1,\n,北站\nL2,南站\nL2,南站\n", "f.csv")
    assert bad.value.problems == ["line 2: depot empty", "line 3: route_id empty",
                                  "line 5: line L2 and depot 南站 are listed twice"]
    with pytest.raises(DepotsFileError, match="header lacks depot"):
        parse_line_depots("route_id,garage\nL1,北站\n", "f.csv")
    with pytest.raises(DepotsFileError, match="no line in it"):
        parse_line_depots("route_id,depot\n", "f.csv")

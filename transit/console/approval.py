"""A timetable draft's life, decided in one pure function: which acts move a
draft from which state to which, who may do them (``access.decide``), and
whether the draft still applies to the live version.

    draft --validate--> validated --approve--> approved --publish--> published
      |                    |                      |                    |  ^
      +------reject--------+--------reject--------+        supersede   v  | restore
                                   v                                superseded
                                rejected

Validate, approve and publish need the draft to apply to the live version as
it is now: built on it, compared with it (its KPIs and diff describe what
publishing would change), and no other publication waiting to take over.
Supersede and restore are not asked for: they follow from a publication or a
roll-back taking effect (``next_status``), authorised by that act.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from transit.console.access import Action, Actor, Refusal, Role, Target, decide


class DraftStatus(enum.StrEnum):
    DRAFT = "draft"  # stored by the optimiser or a study
    VALIDATED = "validated"  # checked against the live version it was made from
    APPROVED = "approved"  # by an approver who did not draft it; KPIs and diff frozen
    PUBLISHED = "published"  # in the publication manifest, live from a service date
    SUPERSEDED = "superseded"  # a later publication (or a roll-back) replaced it
    REJECTED = "rejected"  # withdrawn, with a reason; final


class DraftAct(enum.StrEnum):
    VALIDATE = "validate"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    SUPERSEDE = "supersede"  # another version took over from this draft's
    RESTORE = "restore"  # a roll-back made this draft's version live again


TRANSITIONS: Mapping[tuple[DraftStatus, DraftAct], DraftStatus] = MappingProxyType({
    (DraftStatus.DRAFT, DraftAct.VALIDATE): DraftStatus.VALIDATED,
    (DraftStatus.DRAFT, DraftAct.REJECT): DraftStatus.REJECTED,
    (DraftStatus.VALIDATED, DraftAct.APPROVE): DraftStatus.APPROVED,
    (DraftStatus.VALIDATED, DraftAct.REJECT): DraftStatus.REJECTED,
    (DraftStatus.APPROVED, DraftAct.PUBLISH): DraftStatus.PUBLISHED,
    (DraftStatus.APPROVED, DraftAct.REJECT): DraftStatus.REJECTED,
    (DraftStatus.PUBLISHED, DraftAct.SUPERSEDE): DraftStatus.SUPERSEDED,
    (DraftStatus.SUPERSEDED, DraftAct.RESTORE): DraftStatus.PUBLISHED,
})

# Who: the access rule each act is decided by (supersede and restore by the
# publication or roll-back that causes them).
ACTION_OF: Mapping[DraftAct, Action] = MappingProxyType({
    DraftAct.VALIDATE: Action.PREPARE_DRAFT,
    DraftAct.APPROVE: Action.APPROVE_DRAFT,
    DraftAct.REJECT: Action.REJECT_DRAFT,
    DraftAct.PUBLISH: Action.PUBLISH_DRAFT,
    DraftAct.SUPERSEDE: Action.PUBLISH_DRAFT,
    DraftAct.RESTORE: Action.ROLL_BACK,
})

# The acts a person asks for, in the order a page offers them.
ASKED = (DraftAct.VALIDATE, DraftAct.APPROVE, DraftAct.PUBLISH, DraftAct.REJECT)
_NEED_LIVE = frozenset({DraftAct.VALIDATE, DraftAct.APPROVE, DraftAct.PUBLISH})
_NEED_REASON = frozenset({DraftAct.REJECT})
# How far ahead a publication may be dated: a timetable a year out is a typo.
MAX_DAYS_AHEAD = 366


class Hold(enum.StrEnum):
    """Why an act cannot be done to the draft as it stands (beside the
    access refusals of ``transit.console.access.Refusal``)."""

    WRONG_STATE = "wrong_state"  # the act does not leave this state
    NO_LIVE = "no_live"  # no schedule version is live
    LIVE_CHANGED = "live_changed"  # compared with a version that is no longer live
    NOT_ON_LIVE = "not_on_live"  # built on another version than the live one
    PENDING = "pending"  # another publication is waiting to take over
    NO_REASON = "no_reason"  # a rejection says why
    DATE_PAST = "date_past"  # publication from a service day already begun or over
    DATE_FAR = "date_far"
    ALREADY_LIVE = "already_live"  # a roll-back to the version that is live


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What the rules need to know of a draft."""

    draft_id: int
    status: DraftStatus
    author: str
    route_ids: frozenset[str]  # the lines it changes
    base_version_id: int  # the version it was built on
    compared_version_id: int  # the live version its KPIs and diff were measured against
    depots: frozenset[str] = frozenset()  # the depots of its lines (``LineDepots.of``)

    @property
    def target(self) -> Target:
        return Target("draft", str(self.draft_id), route_ids=self.route_ids, depots=self.depots, author=self.author)


@dataclass(frozen=True, slots=True)
class LiveState:
    """The schedule as it stands: the live version, and a publication waiting
    to take over from a later service day, if any."""

    version_id: int | None
    pending_version_id: int | None = None
    pending_from: date | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Allowed: the state the draft moves to and the role the act is done as.
    Refused: why (an access ``Refusal`` or a ``Hold``), with the figures the
    message names."""

    status: DraftStatus | None = None
    role: Role | None = None
    refusal: Refusal | Hold | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def next_status(status: DraftStatus, act: DraftAct) -> DraftStatus | None:
    """The state ``act`` moves a draft in ``status`` to; None when it does not leave it."""
    return TRANSITIONS.get((status, act))


def applies(facts: DraftFacts, live: LiveState) -> Verdict:
    """Whether the draft still describes a change to the live version; a
    refusal saying why not. (Allowed verdicts carry no state.)"""
    if live.version_id is None:
        return Verdict(refusal=Hold.NO_LIVE)
    figures = {"live": live.version_id, "compared": facts.compared_version_id, "base": facts.base_version_id}
    if live.pending_version_id is not None:
        return Verdict(refusal=Hold.PENDING, detail={
            **figures, "pending": live.pending_version_id, "pending_from": str(live.pending_from)})
    if facts.compared_version_id != live.version_id:
        return Verdict(refusal=Hold.LIVE_CHANGED, detail=figures)
    if facts.base_version_id != live.version_id:
        return Verdict(refusal=Hold.NOT_ON_LIVE, detail=figures)
    return Verdict()


def decide_act(actor: Actor, act: DraftAct, facts: DraftFacts, live: LiveState, reason: str = "") -> Verdict:
    """May ``actor`` do ``act`` to the draft now? First who (role, scope, four
    eyes), then the state, then whether the draft still applies, then the reason."""
    access = decide(actor, ACTION_OF[act], facts.target)
    if access.refusal is not None:
        return Verdict(refusal=access.refusal)
    after = next_status(facts.status, act)
    if after is None or act not in ASKED:
        return Verdict(refusal=Hold.WRONG_STATE, detail={"status": facts.status.value, "act": act.value})
    if act in _NEED_LIVE:
        still = applies(facts, live)
        if not still.allowed:
            return still
    if act in _NEED_REASON and not reason.strip():
        return Verdict(refusal=Hold.NO_REASON)
    return Verdict(status=after, role=access.role)


def offered(actor: Actor, facts: DraftFacts, live: LiveState) -> dict[DraftAct, Verdict]:
    """The acts the draft's state allows, each with what ``decide_act`` would
    answer this actor (a reason still to be typed counts as given)."""
    return {act: decide_act(actor, act, facts, live, reason="-")
            for act in ASKED if next_status(facts.status, act) is not None}


def decide_roll_back(actor: Actor, version_id: int, live: LiveState) -> Verdict:
    """May ``actor`` make the earlier version ``version_id`` live again? A
    version is the whole network, so only an approver over every line may."""
    access = decide(actor, Action.ROLL_BACK, Target("version", str(version_id)))
    if access.refusal is not None:
        return Verdict(refusal=access.refusal)
    if live.version_id == version_id:
        return Verdict(refusal=Hold.ALREADY_LIVE, detail={"live": version_id})
    if live.pending_version_id is not None:
        return Verdict(refusal=Hold.PENDING, detail={
            "live": live.version_id, "pending": live.pending_version_id, "pending_from": str(live.pending_from)})
    return Verdict(role=access.role)


def check_service_date(chosen: date, today: date) -> Verdict:
    """A publication's first service day: today's or a later one (the manifest
    records what ran; it is never rewritten), within ``MAX_DAYS_AHEAD``."""
    if chosen < today:
        return Verdict(refusal=Hold.DATE_PAST, detail={"chosen": str(chosen), "today": str(today)})
    if chosen > today + timedelta(days=MAX_DAYS_AHEAD):
        return Verdict(refusal=Hold.DATE_FAR, detail={"chosen": str(chosen), "days": MAX_DAYS_AHEAD})
    return Verdict()

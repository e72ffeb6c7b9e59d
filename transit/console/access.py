"""Who may do what in the console: roles, each granted over a scope (every
line, some lines, some depots), and the one function that decides whether an
actor may do an action to an object (``decide``). Every screen and endpoint
asks it; none keeps a rule of its own.

A refusal is a value with a reason (``Refusal``), so the page can say why and
the tests can tell a missing role from a line out of scope.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


class Role(enum.StrEnum):
    VIEWER = "viewer"
    DISPATCHER = "dispatcher"
    PLANNER = "planner"
    APPROVER = "approver"
    SIGN_OPERATOR = "sign_operator"
    ADMIN = "admin"


class ScopeKind(enum.StrEnum):
    ALL = "all"
    LINES = "lines"  # route ids
    DEPOTS = "depots"  # depot names


class GrantError(ValueError):
    """A role grant that cannot be: an unknown role or scope, a scope without
    ids, an admin limited to some lines."""


@dataclass(frozen=True, slots=True)
class Target:
    """What an action is done to. ``route_ids`` and ``depots`` are the lines
    and depots it touches (a draft: the lines it changes; a sign: its stop's
    lines); an object touching neither (a user, the audit log, every sign at
    once) is network-wide. ``author`` is who made it (a draft's
    ``created_by``), when that matters."""

    kind: str
    object_id: str = ""
    route_ids: frozenset[str] = frozenset()
    depots: frozenset[str] = frozenset()
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    kind: ScopeKind
    ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if (self.kind is ScopeKind.ALL) != (not self.ids):
            raise GrantError("scope 'all' takes no ids; 'lines' and 'depots' take at least one")

    def covers(self, target: Target) -> bool:
        """Whether every line (or every depot) the target touches is in this
        scope. A network-wide target is covered only by ``all``."""
        if self.kind is ScopeKind.ALL:
            return True
        touched = target.route_ids if self.kind is ScopeKind.LINES else target.depots
        return bool(touched) and touched <= self.ids

    def __str__(self) -> str:
        return "all" if self.kind is ScopeKind.ALL else f"{self.kind}={','.join(sorted(self.ids))}"


EVERYWHERE = Scope(ScopeKind.ALL)


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    scope: Scope = EVERYWHERE

    def __post_init__(self) -> None:
        # Users and the audit log belong to no line: a scoped admin could do nothing.
        if self.role is Role.ADMIN and self.scope.kind is not ScopeKind.ALL:
            raise GrantError("admin is granted over everything (no lines= or depots=)")

    def __str__(self) -> str:
        return self.role.value if self.scope.kind is ScopeKind.ALL else f"{self.role}:{self.scope}"


@dataclass(frozen=True, slots=True)
class Actor:
    """A logged-in user as the rules see them."""

    username: str
    grants: tuple[Grant, ...]


class Action(enum.StrEnum):
    VIEW = "view"  # live view, reports, drafts, sign health: read only
    ACKNOWLEDGE_ALARM = "acknowledge_alarm"
    CHANGE_THRESHOLD = "change_threshold"  # a line's bunching/gapping thresholds
    PREPARE_DRAFT = "prepare_draft"  # optimise or study into a draft, validate it
    APPROVE_DRAFT = "approve_draft"
    REJECT_DRAFT = "reject_draft"
    PUBLISH_DRAFT = "publish_draft"
    ROLL_BACK = "roll_back"
    SEND_SIGN_MESSAGE = "send_sign_message"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"


# The roles table of docs/console.md. Admin manages people and reads the audit
# log; it carries no operational power of its own (separation of duties): an
# admin who also dispatches holds both roles.
ROLES_FOR: Mapping[Action, frozenset[Role]] = MappingProxyType({
    Action.VIEW: frozenset(Role),
    Action.ACKNOWLEDGE_ALARM: frozenset({Role.DISPATCHER}),
    Action.CHANGE_THRESHOLD: frozenset({Role.DISPATCHER}),
    Action.PREPARE_DRAFT: frozenset({Role.PLANNER}),
    Action.APPROVE_DRAFT: frozenset({Role.APPROVER}),
    Action.REJECT_DRAFT: frozenset({Role.APPROVER}),
    Action.PUBLISH_DRAFT: frozenset({Role.APPROVER}),
    Action.ROLL_BACK: frozenset({Role.APPROVER}),
    Action.SEND_SIGN_MESSAGE: frozenset({Role.SIGN_OPERATOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
})

# Four eyes: whoever drafted a timetable never approves it.
_NOT_BY_AUTHOR = frozenset({Action.APPROVE_DRAFT})


class Refusal(enum.StrEnum):
    NO_ROLE = "no_role"  # no role that may do this at all
    OUT_OF_SCOPE = "out_of_scope"  # the role, but not over these lines or depots
    OWN_DRAFT = "own_draft"  # an approver approving what they drafted


@dataclass(frozen=True, slots=True)
class Decision:
    refusal: Refusal | None = None
    role: Role | None = None  # the role the act is done as: what the audit log records

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def decide(actor: Actor, action: Action, target: Target) -> Decision:
    """May ``actor`` do ``action`` to ``target``? Allowed: with the role it is
    done as (the first in ``Role`` order among those that may). Refused: why."""
    held = [grant for grant in actor.grants if grant.role in ROLES_FOR[action]]
    if not held:
        return Decision(Refusal.NO_ROLE)
    in_scope = sorted((g.role for g in held if g.scope.covers(target)), key=list(Role).index)
    if not in_scope:
        return Decision(Refusal.OUT_OF_SCOPE)
    if action in _NOT_BY_AUTHOR and target.author and same_person(target.author, actor.username):
        return Decision(Refusal.OWN_DRAFT)
    return Decision(role=in_scope[0])


def same_person(author: str, username: str) -> bool:
    """Usernames are stored lower case; an author written otherwise is still them."""
    return author.strip().casefold() == username.casefold()


def parse_grant(text: str) -> Grant:
    """``ROLE``, ``ROLE:all``, ``ROLE:lines=R1,R2`` or ``ROLE:depots=D1,D2`` (the
    form ``transit users add --role`` takes and ``str(grant)`` writes)."""
    role_text, _, scope_text = text.strip().partition(":")
    try:
        role = Role(role_text.strip())
    except ValueError:
        raise GrantError(f"{text!r}: unknown role {role_text!r} (roles: {', '.join(Role)})") from None
    kind_text, has_ids, ids_text = scope_text.partition("=")
    try:
        kind = ScopeKind(kind_text.strip() or "all")
    except ValueError:
        raise GrantError(f"{text!r}: unknown scope {kind_text!r} (all, lines=R1,R2 or depots=D1,D2)") from None
    ids = frozenset(part.strip() for part in ids_text.split(",") if part.strip())
    if kind is not ScopeKind.ALL and not ids:
        raise GrantError(f"{text!r}: {kind}= needs at least one id")
    if kind is ScopeKind.ALL and has_ids:
        raise GrantError(f"{text!r}: 'all' takes no ids")
    try:
        return Grant(role, Scope(kind, ids))
    except GrantError as exc:
        raise GrantError(f"{text!r}: {exc}") from None


def merge_grants(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    """One grant per role and scope kind (ids united); a role granted over
    everything drops its narrower grants. In ``Role`` order, then scope kind."""
    ids: dict[tuple[Role, ScopeKind], frozenset[str]] = {}
    for grant in grants:
        key = (grant.role, grant.scope.kind)
        ids[key] = ids.get(key, frozenset()) | grant.scope.ids
    kinds = list(ScopeKind)
    return tuple(
        Grant(role, Scope(kind, ids[role, kind]))
        for role, kind in sorted(ids, key=lambda key: (list(Role).index(key[0]), kinds.index(key[1])))
        if kind is ScopeKind.ALL or (role, ScopeKind.ALL) not in ids
    )

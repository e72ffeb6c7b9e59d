"""Which vehicle a terminal sits in, and the authentication codes it is given.

With the operator's table (a CSV ``phone,vehicle_id[,plate]``), only a bound
phone registers, the plate it sends must be its vehicle's, and no terminal can
claim a vehicle bound to another phone: every such attempt is a security
refusal (issue 8: a stranger registered as TC0005 and moved that bus). Without
a table, registration is open: a terminal is bound by the plate it sends, which
suits the demo and is announced as such at start-up. The auth code is
derived, not stored: ``<vehicle id>|<MAC>`` with an HMAC over phone and vehicle, so
a terminal that re-registers gets the same code and a restarted server still checks
codes it issued before, without a registry.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from feeds.jt808.messages import RegistrationResult
from transit.validation import check_text

_MAC_CHARS = 16  # 64 bits: enough against guessing over a TCP session


class BindingFileError(ValueError):
    """A binding CSV that cannot be read: file, line, and what is wrong."""

    def __init__(self, path: Path, line: int, detail: str) -> None:
        super().__init__(f"{path}:{line}: {detail}")
        self.path = path
        self.line = line
        self.detail = detail


def is_valid_plate(plate: str) -> bool:
    """Text a plate may be: a valid identifier that GBK (the protocol's text
    encoding) can carry back in the auth code; a byte that did not decode
    (U+FFFD) is no plate."""
    if check_text("plate", plate) is not None or "\ufffd" in plate:
        return False
    try:
        plate.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def normalise_phone(phone: str) -> str:
    """The form ``Header.phone`` has: digits without leading zeros."""
    return phone.strip().lstrip("0") or "0"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a terminal may not register or log in; ``security`` marks an attempt
    on another vehicle's identity (logged as a security event), not a fault."""

    result: RegistrationResult
    reason: str  # "unbound_terminal", "plate_mismatch", "vehicle_bound_elsewhere", ...
    security: bool


@dataclass(frozen=True)
class Bindings:
    """Phone number -> vehicle id (keys in ``normalise_phone`` form), and the
    plate each bound vehicle carries where the table gives one."""

    by_phone: Mapping[str, str] = field(default_factory=dict)
    plates: Mapping[str, str] = field(default_factory=dict)  # vehicle id -> plate
    open_registration: bool = False  # no table: terminals bind by their plate

    def find_vehicle(self, phone: str) -> str | None:
        return self.by_phone.get(phone)

    def judge_registration(self, phone: str, plate: str) -> str | Refused:
        """The vehicle a terminal registering with ``plate`` is bound to, or why not."""
        plate = plate.strip()
        if plate and not is_valid_plate(plate):
            return Refused(RegistrationResult.NO_SUCH_VEHICLE, "bad_plate", security=False)
        bound = self.by_phone.get(phone)
        if bound is not None:
            if plate and plate not in (bound, self.plates.get(bound)):
                return Refused(RegistrationResult.NO_SUCH_VEHICLE, "plate_mismatch", security=True)
            return bound
        if not self.open_registration:
            if plate and self._is_bound(plate):
                return Refused(RegistrationResult.VEHICLE_TAKEN, "vehicle_bound_elsewhere",
                               security=True)
            return Refused(RegistrationResult.NO_SUCH_TERMINAL, "unbound_terminal", security=True)
        if not plate:
            return Refused(RegistrationResult.NO_SUCH_TERMINAL, "no_plate", security=False)
        return plate

    def judge_login(self, phone: str, issued_for: str) -> str | Refused:
        """The vehicle a terminal presenting a valid code issued for
        ``issued_for`` logs in as, or why not (a code issued before the table
        was configured, or before a terminal was moved, no longer counts)."""
        if check_text("vehicle_id", issued_for) is not None:
            return Refused(RegistrationResult.NO_SUCH_VEHICLE, "bad_vehicle_id", security=False)
        bound = self.by_phone.get(phone)
        if bound is not None:
            if bound != issued_for:
                return Refused(RegistrationResult.NO_SUCH_VEHICLE, "code_for_other_vehicle",
                               security=True)
            return bound
        if not self.open_registration:
            return Refused(RegistrationResult.NO_SUCH_TERMINAL, "unbound_terminal", security=True)
        return issued_for

    def _is_bound(self, vehicle_or_plate: str) -> bool:
        return (vehicle_or_plate in self.by_phone.values()
                or vehicle_or_plate in self.plates.values())

    def list_shared_vehicles(self) -> dict[str, tuple[str, ...]]:
        """Vehicles bound to more than one terminal -> their phones."""
        phones: dict[str, list[str]] = {}
        for phone, vehicle in self.by_phone.items():
            phones.setdefault(vehicle, []).append(phone)
        return {v: tuple(sorted(p)) for v, p in phones.items() if len(p) > 1}


OPEN_REGISTRATION = Bindings(open_registration=True)


def load_bindings(path: Path) -> Bindings:
    """Read a CSV with a header ``phone,vehicle_id`` and optionally ``plate``;
    raises ``BindingFileError``."""
    by_phone: dict[str, str] = {}
    plates: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"phone", "vehicle_id"} <= set(reader.fieldnames):
            raise BindingFileError(path, 1, "header must name columns phone and vehicle_id")
        for row in reader:
            line = reader.line_num
            phone, vehicle = (row["phone"] or "").strip(), (row["vehicle_id"] or "").strip()
            plate = (row.get("plate") or "").strip()
            if not phone.isdigit() or check_text("vehicle_id", vehicle) is not None:
                raise BindingFileError(path, line, f"bad row phone={phone!r} vehicle_id={vehicle!r}")
            if plate:
                if check_text("plate", plate) is not None:
                    raise BindingFileError(path, line, f"bad plate {plate!r}")
                plates[vehicle] = plate
            key = normalise_phone(phone)
            if key in by_phone and by_phone[key] != vehicle:
                raise BindingFileError(
                    path, line, f"phone {phone} bound to {by_phone[key]} and {vehicle}"
                )
            by_phone[key] = vehicle
    return Bindings(by_phone, plates)


def issue_auth_code(key: bytes, phone: str, vehicle_id: str) -> str:
    """The code a terminal must present (0x0102) after registering as ``vehicle_id``."""
    return f"{vehicle_id}|{_mac(key, phone, vehicle_id)}"


def find_authenticated_vehicle(key: bytes, phone: str, code: str) -> str | None:
    """The vehicle ``code`` was issued for to ``phone``, or None if it was not issued."""
    vehicle_id, sep, mac = code.rpartition("|")
    if not sep or not vehicle_id:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(key, phone, vehicle_id).encode()):
        return None
    return vehicle_id


def _mac(key: bytes, phone: str, vehicle_id: str) -> str:
    message = f"{phone}\x00{vehicle_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_MAC_CHARS]

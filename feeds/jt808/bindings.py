"""Which vehicle a terminal sits in, and the authentication codes it is given.

A terminal is bound by its phone number (the operator's table, e.g. a CSV) or, when
the table does not know it, by the plate it sends at registration. The auth code is
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

_MAC_CHARS = 16  # 64 bits: enough against guessing over a TCP session


class BindingFileError(ValueError):
    """A binding CSV that cannot be read: file, line, and what is wrong."""

    def __init__(self, path: Path, line: int, detail: str) -> None:
        super().__init__(f"{path}:{line}: {detail}")
        self.path = path
        self.line = line
        self.detail = detail


def normalise_phone(phone: str) -> str:
    """The form ``Header.phone`` has: digits without leading zeros."""
    return phone.strip().lstrip("0") or "0"


@dataclass(frozen=True)
class Bindings:
    """Phone number -> vehicle id (keys in ``normalise_phone`` form)."""

    by_phone: Mapping[str, str] = field(default_factory=dict)

    def find_vehicle(self, phone: str) -> str | None:
        return self.by_phone.get(phone)

    def list_shared_vehicles(self) -> dict[str, tuple[str, ...]]:
        """Vehicles bound to more than one terminal -> their phones."""
        phones: dict[str, list[str]] = {}
        for phone, vehicle in self.by_phone.items():
            phones.setdefault(vehicle, []).append(phone)
        return {v: tuple(sorted(p)) for v, p in phones.items() if len(p) > 1}


def load_bindings(path: Path) -> Bindings:
    """Read a CSV with a header ``phone,vehicle_id``; raises ``BindingFileError``."""
    by_phone: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"phone", "vehicle_id"} <= set(reader.fieldnames):
            raise BindingFileError(path, 1, "header must name columns phone and vehicle_id")
        for row in reader:
            line = reader.line_num
            phone, vehicle = (row["phone"] or "").strip(), (row["vehicle_id"] or "").strip()
            if not phone.isdigit() or not vehicle:
                raise BindingFileError(path, line, f"bad row phone={phone!r} vehicle_id={vehicle!r}")
            key = normalise_phone(phone)
            if key in by_phone and by_phone[key] != vehicle:
                raise BindingFileError(
                    path, line, f"phone {phone} bound to {by_phone[key]} and {vehicle}"
                )
            by_phone[key] = vehicle
    return Bindings(by_phone)


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

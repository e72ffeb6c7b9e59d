"""The sign at every stop: which are electronic (they poll us) is data, not code.

A registry is a CSV with one row per sign::

    sign_id,stop_id,kind,token,led_columns,led_rows
    TC-S0001,S0001,electronic,3f9a...,24,4
    TC-S0002,S0002,ordinary,81c0...,0,0

``led_columns`` counts half-width columns (a Chinese character takes two, as
LED controllers draw GB2312 text); an ordinary sign has no LED (0 x 0).
Error policy: every problem of the file is collected with its line number and
none of it is loaded (``InvalidRegistry``); a half-loaded registry would lock
signs out silently.
"""

from __future__ import annotations

import csv
import enum
import hmac
import random
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from transit.model.network import Network

COLUMNS = ("sign_id", "stop_id", "kind", "token", "led_columns", "led_rows")
MIN_TOKEN_CHARS = 16
MAX_LED = 256  # columns or rows: more is a typo, not a sign
ELECTRONIC_LED = (24, 4)  # a 192 x 64 pixel board with a 16-pixel font
DEMO_ELECTRONIC = 4  # electronic signs in the reference city today


class SignKind(enum.StrEnum):
    ELECTRONIC = "electronic"
    ORDINARY = "ordinary"


@dataclass(frozen=True, slots=True)
class Sign:
    sign_id: str
    stop_id: str
    kind: SignKind
    token: str
    led_columns: int
    led_rows: int

    def check_token(self, token: str | None) -> bool:
        """Whether ``token`` is this sign's, in constant time."""
        return token is not None and hmac.compare_digest(token.encode(), self.token.encode())

    @property
    def has_led(self) -> bool:
        return self.led_columns > 0 and self.led_rows > 0


class SignRegistry:
    """Signs by id, in file order."""

    def __init__(self, signs: Collection[Sign]) -> None:
        by_id = {s.sign_id: s for s in signs}
        if len(by_id) != len(signs):
            duplicates = sorted(k for k, n in Counter(s.sign_id for s in signs).items() if n > 1)
            raise ValueError(f"duplicate sign ids: {duplicates}")
        self.by_id: Mapping[str, Sign] = MappingProxyType(by_id)

    def find_sign(self, sign_id: str) -> Sign | None:
        return self.by_id.get(sign_id)

    def get_sign(self, sign_id: str) -> Sign:
        return self.by_id[sign_id]

    def list_signs(self, kind: SignKind | None = None) -> list[Sign]:
        return [s for s in self.by_id.values() if kind is None or s.kind is kind]

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[Sign]:
        return iter(self.by_id.values())


@dataclass(frozen=True, slots=True)
class RegistryProblem:
    line: int  # 1-based line of the CSV file (the header is line 1)
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}={self.value!r}: {self.message}"


class InvalidRegistry(ValueError):
    """A sign registry file with problems; ``problems`` lists them all."""

    def __init__(self, path: Path, problems: list[RegistryProblem]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{path}: {len(problems)} problem(s) in the sign registry:\n  {shown}{more}")


def load_registry(path: Path, stop_ids: Collection[str] | None = None) -> SignRegistry:
    """Read a registry CSV (UTF-8, header row). With ``stop_ids``, a sign at a
    stop not in the network is a problem too. Raises ``InvalidRegistry``."""
    path = Path(path)
    problems: list[RegistryProblem] = []
    signs: list[Sign] = []
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != list(COLUMNS):
            raise InvalidRegistry(path, [RegistryProblem(1, "header", ",".join(header or []),
                                                         f"expected {','.join(COLUMNS)}")])
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(COLUMNS):
                problems.append(RegistryProblem(line, "row", ",".join(row),
                                                f"expected {len(COLUMNS)} fields, got {len(row)}"))
                continue
            sign, row_problems = _parse_row(line, dict(zip(COLUMNS, (c.strip() for c in row))), stop_ids)
            if sign is not None and sign.sign_id in seen:
                row_problems.append(RegistryProblem(line, "sign_id", sign.sign_id,
                                                    f"duplicate of line {seen[sign.sign_id]}"))
            problems.extend(row_problems)
            if sign is not None and not row_problems:
                seen[sign.sign_id] = line
                signs.append(sign)
    if problems:
        raise InvalidRegistry(path, problems)
    return SignRegistry(signs)


def _parse_row(line: int, row: dict[str, str],
               stop_ids: Collection[str] | None) -> tuple[Sign | None, list[RegistryProblem]]:
    problems = []

    def problem(name: str, message: str) -> None:
        problems.append(RegistryProblem(line, name, row[name], message))

    for name in ("sign_id", "stop_id"):
        if not row[name]:
            problem(name, "is empty")
        elif not row[name].isprintable() or any(c in row[name] for c in "/?#"):
            problem(name, "holds a character not allowed in an id (/, ?, # or a control character)")
    if stop_ids is not None and row["stop_id"] and row["stop_id"] not in stop_ids:
        problem("stop_id", "no such stop in the network")
    try:
        kind = SignKind(row["kind"])
    except ValueError:
        problem("kind", f"expected one of {', '.join(k.value for k in SignKind)}")
        kind = SignKind.ORDINARY
    if len(row["token"]) < MIN_TOKEN_CHARS or not row["token"].isascii() or not row["token"].isprintable():
        problem("token", f"expected at least {MIN_TOKEN_CHARS} printable ASCII characters")
    size = []
    for name in ("led_columns", "led_rows"):
        try:
            value = int(row[name])
            if not 0 <= value <= MAX_LED:
                raise ValueError
            size.append(value)
        except ValueError:
            problem(name, f"expected a whole number from 0 to {MAX_LED}")
            size.append(0)
    if kind is SignKind.ELECTRONIC and not problems and 0 in size:
        problem("led_columns" if size[0] == 0 else "led_rows", "an electronic sign needs an LED size")
    if problems:
        return None, problems
    return Sign(row["sign_id"], row["stop_id"], kind, row["token"], size[0], size[1]), []


def write_registry(registry: SignRegistry, path: Path) -> Path:
    """Write ``registry`` as a CSV that ``load_registry`` reads back equal."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for s in registry:
            writer.writerow((s.sign_id, s.stop_id, s.kind.value, s.token, s.led_columns, s.led_rows))
    return path


def list_busiest_stops(network: Network, count: int) -> list[str]:
    """The ``count`` stops with the most scheduled calls, ties by stop id."""
    calls: Counter[str] = Counter()
    for trip in network.trips.values():
        calls.update(network.patterns[trip.pattern_id].stop_ids)
    ranked = sorted(network.stops, key=lambda stop_id: (-calls[stop_id], stop_id))
    return ranked[:count]


def demo_registry(network: Network, seed: int, electronic: int = DEMO_ELECTRONIC) -> SignRegistry:
    """One sign per stop; the ``electronic`` busiest stops have LED signs.
    Tokens are 128-bit hex from a RNG seeded with ``seed``: reproducible demo
    data, never for production (use ``secrets``)."""
    rng = random.Random(seed)
    busy = set(list_busiest_stops(network, electronic))
    signs = []
    for stop_id in sorted(network.stops):
        kind = SignKind.ELECTRONIC if stop_id in busy else SignKind.ORDINARY
        columns, rows = ELECTRONIC_LED if kind is SignKind.ELECTRONIC else (0, 0)
        signs.append(Sign(f"TC-{stop_id}", stop_id, kind, f"{rng.getrandbits(128):032x}", columns, rows))
    return SignRegistry(signs)

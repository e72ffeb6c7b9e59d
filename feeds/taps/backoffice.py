"""Fare back-office files: one CSV row per payment, read into taps to store.

Columns are named by option (``TapColumns``, ``--columns FIELD=COLUMN,...``)
as replay's report columns are. A payment's transaction id becomes its tap id,
so importing a file twice, or a payment its reader already pushed, adds nothing.
Times are Unix seconds, ISO 8601, or ``time_format``; without an offset they
are local times of ``timezone``. Amounts are yuan (``2``, ``2.00``).

Error policy (transitland's: collect, do not stop): a row that cannot become a
tap is left out and reported by its line number (the header is line 1), and
the other rows are imported; so is a row repeating a transaction id seen
earlier in the file. Only a file that cannot be read at all, or lacks a
required column, stops the import (``TapFileError``).

The card or account id is pseudonymised the moment its row is read, with the
keyed hash of ``transit.privacy``: the clear id is kept nowhere, and a
problem message that would quote it says ``<card id>`` instead.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.replay import csvfields as fields
from transit.privacy import pseudonymise
from transit.records import PaymentMedium, Tap
from transit.validation import MAX_FARE_FEN, check_tap, check_text

_TRUE = frozenset({"1", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "false", "f", "no", "n"})


class TapFileError(ValueError):
    """A file that cannot be imported at all; the message says which and why."""


class MissingTapColumns(TapFileError):
    """The header lacks required columns (their names as mapped)."""

    def __init__(self, path: Path, missing: list[str]) -> None:
        super().__init__(f"{path}: missing column(s) {missing} (rename with --columns)")
        self.path = path
        self.missing = missing


@dataclass(frozen=True, slots=True)
class TapColumns:
    """Our tap fields -> the file's column names; optional ones may be absent."""

    txn_id: str = "txn_id"
    card_id: str = "card_id"
    time: str = "time"
    vehicle_id: str = "vehicle_id"
    medium: str = "medium"
    line_id: str | None = "line_id"
    amount: str | None = "amount"
    transfer: str | None = "transfer"
    lat: str | None = "lat"
    lon: str | None = "lon"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    columns: TapColumns = TapColumns()
    timezone: str = "Asia/Shanghai"  # of times written without an offset
    time_format: str | None = None  # a strptime pattern; None: Unix seconds or ISO 8601
    encoding: str = "utf-8"
    # The file's medium values -> ours, besides card, wechat and alipay themselves.
    media: Mapping[str, PaymentMedium] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class TapFile:
    path: Path
    rows: int  # data rows read, blank lines aside
    taps: tuple[Tap, ...]  # in file order, one per transaction id
    problems: tuple[RowProblem, ...]  # rows left out, in line order


def read_tap_file(path: Path, options: ImportOptions, key: bytes,
                  received_at: float | None) -> TapFile:
    """The taps of a back-office CSV (``.csv`` or ``.csv.gz``), pseudonymised
    with ``key``, received at ``received_at``; None: each when stamped (a
    recorded day replayed has no receipt to hold its times against)."""
    lines = _Lines(_read_bytes(path), options.encoding)
    reader = csv.reader(lines)
    header = _header(path, reader, options.columns)
    taps: list[Tap] = []
    first_line: dict[str, int] = {}
    rows = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows += 1
            lines.problems.append(RowProblem(lines.number, f"not valid CSV: {exc}"))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        tap = _tap(header, cells, options, key, received_at)
        if isinstance(tap, str):
            lines.problems.append(RowProblem(lines.number, tap))
        elif first_line.setdefault(tap.tap_id, lines.number) != lines.number:
            lines.problems.append(RowProblem(lines.number, f"transaction id {tap.tap_id!r} "
                                             f"already on line {first_line[tap.tap_id]}"))
        else:
            taps.append(tap)
    problems = sorted(lines.problems, key=lambda p: p.line)
    return TapFile(path, rows + lines.undecodable, tuple(taps), tuple(problems))


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix == ".gz" else data
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TapFileError(f"{path}: cannot be read: {exc}") from None


class _Lines:
    """The file's lines decoded one by one, so that one undecodable line is a
    problem of its own; ``number`` is the line last handed out."""

    def __init__(self, data: bytes, encoding: str) -> None:
        self._lines = data.splitlines(keepends=True)
        self._encoding = encoding
        self.number = 0
        self.undecodable = 0
        self.problems: list[RowProblem] = []

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self._lines, start=1):
            self.number = number
            try:
                text = raw.decode(self._encoding)
            except (UnicodeDecodeError, LookupError):
                self.undecodable += 1
                self.problems.append(RowProblem(number, f"not {self._encoding} text"))
                continue
            yield text.removeprefix("\ufeff") if number == 1 else text


def _header(path: Path, reader: Iterator[list[str]], columns: TapColumns) -> list[str]:
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise TapFileError(f"{path}: the header is not valid CSV: {exc}") from None
    required = (columns.txn_id, columns.card_id, columns.time, columns.vehicle_id, columns.medium)
    missing = [c for c in required if c not in header]
    if missing:
        raise MissingTapColumns(path, missing)
    return header


def _tap(header: list[str], cells: list[str], options: ImportOptions, key: bytes,
         received_at: float | None) -> Tap | str:
    """The tap of one row, or why there is none (never quoting the card id)."""
    row = dict(zip(header, cells))
    card = (row.get(options.columns.card_id) or "").strip()
    if len(cells) != len(header):
        return _scrub(f"{len(cells)} fields where the header names {len(header)}", card)
    refusal = check_text("card_id", card, 128)
    if refusal is not None:
        return _scrub(refusal.message, card)
    columns = options.columns
    try:
        lat, lon = _position(row, columns)
        timestamp = _instant(row, columns.time, options)
        tap = Tap(
            tap_id=fields.text(row, columns.txn_id),
            vehicle_id=fields.text(row, columns.vehicle_id),
            timestamp=timestamp,
            medium=_medium(row, columns.medium, options.media),
            account_hash=pseudonymise(card, key),
            lat=lat,
            lon=lon,
            received_at=timestamp if received_at is None else received_at,
            line_id=fields.optional_text(row, columns.line_id),
            amount_fen=_fen(row, columns.amount),
            transfer=_flag(row, columns.transfer),
        )
    except fields.RowError as exc:
        return _scrub(str(exc), card)
    refusal = check_tap(tap)
    return tap if refusal is None else _scrub(refusal.message, card)


def _scrub(message: str, card: str) -> str:
    return message.replace(card, "<card id>") if card else message


def _instant(row: Mapping[str, str], column: str, options: ImportOptions) -> float:
    cell = fields.text(row, column)
    if options.time_format is None:
        try:
            return fields.instant(row, column)
        except fields.RowError:
            pass  # a local time, without offset, is read below
    try:
        moment = (datetime.strptime(cell, options.time_format) if options.time_format
                  else datetime.fromisoformat(cell))
    except ValueError:
        wanted = options.time_format or "Unix seconds or ISO 8601"
        raise fields.RowError(f"{column} is not a time ({wanted}): {cell!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(options.timezone))
    return moment.timestamp()


def _medium(row: Mapping[str, str], column: str,
            media: Mapping[str, PaymentMedium]) -> PaymentMedium:
    cell = fields.text(row, column)
    if cell in media:
        return media[cell]
    try:
        return PaymentMedium(cell.lower())
    except ValueError:
        known = ", ".join([m.value for m in PaymentMedium] + sorted(media))
        raise fields.RowError(f"{column} is not a medium ({known}): {cell!r}") from None


def _position(row: Mapping[str, str], columns: TapColumns) -> tuple[float | None, float | None]:
    lat = fields.optional_text(row, columns.lat if columns.lat in row else None)
    lon = fields.optional_text(row, columns.lon if columns.lon in row else None)
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise fields.RowError(f"{columns.lat} and {columns.lon} must be given together")
    return fields.coordinates(row, columns.lat, columns.lon)  # type: ignore[arg-type]


def _fen(row: Mapping[str, str], column: str | None) -> int | None:
    """Yuan with at most two decimals, as whole fen."""
    cell = fields.optional_text(row, column if column in row else None)
    if cell is None:
        return None
    try:
        yuan = Decimal(cell)
    except InvalidOperation:
        raise fields.RowError(f"{column} is not an amount in yuan: {cell!r}") from None
    # Checked before any arithmetic: a NaN or a 1e999999 must not get that far.
    if not yuan.is_finite() or not 0 <= yuan <= MAX_FARE_FEN / 100 or yuan != round(yuan, 2):
        raise fields.RowError(f"{column} is not an amount in yuan, 0 to "
                              f"{MAX_FARE_FEN // 100} with 0.01 at most: {cell!r}")
    return int(yuan * 100)


def _flag(row: Mapping[str, str], column: str | None) -> bool | None:
    cell = fields.optional_text(row, column if column in row else None)
    if cell is None:
        return None
    if cell.lower() in _TRUE | _FALSE:
        return cell.lower() in _TRUE
    raise fields.RowError(f"{column} is not a yes/no flag (1/0, true/false, yes/no): {cell!r}")

"""The demo's POS readers: one per simulated bus, registered as the fleet
appears, so ``POST /api/push/taps`` works in ``transit demo`` as it would in
production. The simulated taps themselves are offered in-process, as the
simulated GPS reports are.

Reader ``POS-TC0001`` is mounted on ``TC0001``; its key is derived from the
vehicle id, so it is the same on every start and written with the others to
``DATA_DIR/readers.csv`` (as the demo's signs and their tokens are in
``signs.csv``). Demo keys are public (the derivation is here): never in
production, where ``transit readers add`` makes random ones.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path

from transit.console.audit import Act
from transit.readers import Reader, new_reader
from transit.store import Pool
from transit.store.readers import add_readers, list_readers

READERS_FILE = "readers.csv"
DEMO_ACTOR = "demo"  # the audit log's actor and role for the demo's registrations


def demo_reader_id(vehicle_id: str) -> str:
    return f"POS-{vehicle_id}"


def demo_reader_key(vehicle_id: str) -> str:
    return "demo-reader-" + hashlib.sha256(f"transit demo reader {vehicle_id}".encode()).hexdigest()[:32]


def demo_readers(vehicle_ids: Iterable[str], at: float) -> list[Reader]:
    return [new_reader(demo_reader_id(v), v, demo_reader_key(v), at) for v in sorted(set(vehicle_ids))]


async def register_demo_readers(pool: Pool, vehicle_ids: Iterable[str], data_dir: Path, at: float) -> int:
    """Register a demo reader for each of ``vehicle_ids`` not yet registered,
    and write every demo reader, key included, to ``data_dir/readers.csv``.
    Returns how many were added."""
    added = await add_readers(pool, demo_readers(vehicle_ids, at), Act(DEMO_ACTOR, DEMO_ACTOR, at),
                              skip_existing=True)
    # A reader is the demo's while its key is still the derived one.
    mine = [r for r in await list_readers(pool)
            if r.reader_id == demo_reader_id(r.vehicle_id) and r.accepts(demo_reader_key(r.vehicle_id))]
    path = data_dir / READERS_FILE
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("reader_id", "vehicle_id", "key", "active"))
        writer.writerows((r.reader_id, r.vehicle_id, demo_reader_key(r.vehicle_id), str(r.active).lower())
                         for r in mine)
    return len(added)

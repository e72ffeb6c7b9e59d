"""Fault tests (issue 8): JT/T 808 ingest through faults, nothing acknowledged lost.

Each scenario runs ``transit serve`` (embedded PostgreSQL, a fresh data folder
in a temporary directory, free loopback ports), drives JT/T 808 terminals at
it (scripts/fault_load.py: open registration by plate, 0x0200 reports and
0x0704 batches, acks matched by flow number), breaks something, and then
compares what the terminals saw acknowledged with what is in vehicle_reports:

  service-kill   the service SIGKILLed during ingest, then started again
  both-kill      the service and its PostgreSQL's postmaster SIGKILLed together,
                 then the service started again (crash recovery)
  postgres-kill  the embedded PostgreSQL's postmaster SIGKILLed during ingest;
                 the service must restart it by itself
  cut-frame      terminals' connections cut in the middle of a frame (FIN or RST)
                 beside honest terminals
  disk-full      the data folder (a small tmpfs: needs root) filled to the last
                 byte during ingest; halfway through, WAL made to grow, so that
                 PostgreSQL itself stops; then the disk freed

Each prints reports sent, acknowledged and stored, and "acknowledged minus
stored" (acknowledged reports not found in the store), which must be 0, with
the scenario's own checks. Exit status 1 if any scenario failed, 77 if every
scenario asked for was skipped (disk-full where nothing can be mounted).

    .venv/bin/python scripts/fault_tests.py [SCENARIO ...] [--terminals 100]
        [--rate 1000] [--seconds 20] [--feed FEED.zip] [--template DIR]

Without ``--feed`` the schedule is the demo city (generated and imported once
into the template folder, reused with ``--template``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from fault_load import Ledger, cut_mid_frame, drive, drive_fleet, make_terminals
from fault_service import (
    Service,
    copy_template,
    crash_on_full_wal,
    fill_disk,
    folder_bytes,
    free_disk,
    kill_postmaster,
    mount_small_disk,
    postmaster_running,
    prepare_template,
    remove_folder,
    stored_keys,
    unmount,
)

from transit.store.embedded import open_database

SKIPPED = 77
DISK_HEADROOM = 64 << 20  # bytes of the small disk beyond the template's size
SCENARIO_TIMEOUT_S = 600.0
RECOVERY_TIMEOUT_S = 120.0  # for the service to come back by itself


@dataclass(frozen=True)
class Settings:
    work: Path  # scenario folders go here
    template: Path
    terminals: int
    rate: float  # reports per second, all terminals together
    seconds: float  # of load around each fault
    cuts: int
    services: dict[str, Service] = field(default_factory=dict)  # by scenario, to clean up


@dataclass
class Outcome:
    """What a scenario saw; it passes when every check holds."""

    name: str
    title: str
    ledger: Ledger = field(default_factory=Ledger)
    stored: set[tuple[str, int]] = field(default_factory=set)
    figures: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    skipped: str | None = None

    @property
    def acked_not_stored(self) -> int:
        return len(self.ledger.acked - self.stored)

    @property
    def passed(self) -> bool:
        return self.skipped is None and all(ok for _, ok in self.checks)

    def check(self, what: str, ok: bool) -> None:
        self.checks.append((what, ok))

    def print(self) -> None:
        print(f"== {self.name}: {self.title}")
        if self.skipped is not None:
            print(f"   SKIPPED: {self.skipped}")
            return
        for line in self.figures:
            print(f"   {line}")
        ledger = self.ledger
        print(f"   sent {len(ledger.sent):,}  acknowledged {len(ledger.acked):,}  "
              f"stored {len(self.stored):,}  acknowledged minus stored {self.acked_not_stored}")
        print(f"   stored, never acknowledged {len(self.stored - ledger.acked):,}; "
              f"sent, neither {len(ledger.sent - ledger.acked - self.stored):,}; "
              f"refused {len(ledger.refused)}")
        for what, ok in self.checks:
            print(f"   [{'ok' if ok else 'FAILED'}] {what}")
        print(f"   {'PASS' if self.passed else 'FAIL'}")


def scenario_folder(settings: Settings, name: str) -> Path:
    folder = settings.work / name
    remove_folder(folder)
    folder.mkdir(parents=True)
    return folder


def new_service(settings: Settings, name: str, folder: Path) -> Service:
    """A service of scenario ``name`` on a copy of the template in ``folder``/data."""
    copy_template(settings.template, folder / "data")
    service = settings.services[name] = Service(folder / "data", folder / "service.log")
    return service


async def release(service: Service) -> None:
    """Leave nothing running: the service (SIGTERM), and its PostgreSQL if a
    killed service left it (joined and left again: the last user stops it)."""
    if service.alive():
        await service.stop()
    if postmaster_running(service.pgdata):
        async with open_database(None, service.pgdata):
            pass


async def finish(outcome: Outcome, service: Service) -> None:
    """Stop the service cleanly, check its PostgreSQL went with it, read the store."""
    outcome.check("the service was still running at the end", service.alive())
    status = await service.stop()
    outcome.check(f"it stopped cleanly on SIGTERM (status {status})", status == 0)
    outcome.check("its embedded PostgreSQL stopped with it", not postmaster_running(service.pgdata))
    plates = {plate for plate, _ in outcome.ledger.sent}
    outcome.stored = await stored_keys(service.data_dir, plates)
    outcome.check("acknowledged minus stored is 0", outcome.acked_not_stored == 0)


async def watch_health(service: Service, timeline: list[tuple[float, int | None]],
                       every: float = 0.1) -> None:
    """Record /health's status (503: database unavailable) every ``every`` s, with
    the time its answer came."""
    while True:
        status = await service.health()
        timeline.append((time.time(), status))
        await asyncio.sleep(every)


async def wait_until(condition: Callable[[], bool], timeout: float, every: float = 0.1) -> bool:
    """Whether ``condition`` came true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)
    return True


# ------------------------------------------------------------------ scenarios


def back_again(timeline: list[tuple[float, int | None]], since: float) -> float | None:
    """When /health answered 200 again after failing, after ``since`` (a ping on a
    connection opened before may still pass just after a kill)."""
    failed = False
    for at, status in timeline:
        if at > since:
            failed = failed or status != 200
            if failed and status == 200:
                return at
    return None


def offset(instant: float | None, origin: float) -> str:
    """``instant`` as seconds from ``origin`` ("+1.23 s"), or "none"."""
    return "none" if instant is None else f"{instant - origin:+.2f} s"


async def service_kill(settings: Settings, *, with_postgres: bool = False) -> Outcome:
    if with_postgres:
        outcome = Outcome("both-kill", "the service and its PostgreSQL SIGKILLed during JT/T 808 "
                          "ingest, then the service restarted")
    else:
        outcome = Outcome("service-kill",
                          "the service SIGKILLed during JT/T 808 ingest, then restarted")
    service = new_service(settings, outcome.name, scenario_folder(settings, outcome.name))
    await service.start()
    fleet = make_terminals("BK" if with_postgres else "SK", settings.terminals,
                           13950000000 if with_postgres else 13900000000)
    ledger = outcome.ledger
    driving = asyncio.create_task(
        drive_fleet(fleet, service.jt808_port, settings.seconds, settings.rate, ledger, drain_s=2))
    await asyncio.sleep(settings.seconds / 2)
    acked_before = len(ledger.acked)
    service.kill()
    if with_postgres:
        kill_postmaster(service.pgdata)
    killed_at = time.time()
    await driving
    unanswered = len(ledger.sent - ledger.acked - ledger.refused)
    restart_s = await service.start()
    postgres = ("its PostgreSQL started again from stale lock files, crash recovery"
                f" ({service.log_count('database_embedded_stale_lock_files')} found)"
                if with_postgres else "its PostgreSQL still running")
    after = Ledger()
    await drive_fleet(fleet, service.jt808_port, settings.seconds / 2, settings.rate, after)
    ledger.merge(after)
    outcome.figures += [
        (f"{settings.terminals} terminals, {settings.rate:,.0f} reports/s; SIGKILL after "
         f"{settings.seconds / 2:.1f} s ({acked_before:,} acknowledged by then, "
         f"{unanswered:,} unanswered at the kill)"),
        (f"restarted ({postgres}) and answering in {restart_s:.1f} s; "
         f"then {len(after.acked):,} of {len(after.sent):,} sent acknowledged"),
    ]
    outcome.check("reports were being acknowledged when it was killed", acked_before > 0)
    outcome.check("ingest resumed after the restart: every report sent then acknowledged",
                  len(after.sent) > 0 and after.acked == after.sent)
    outcome.check("no acknowledgement between the kill and the restart",
                  ledger.acked_between(killed_at + 0.001, killed_at + restart_s) == 0)
    if with_postgres:
        outcome.check("the stale lock files of the killed postmaster were cleared",
                      service.log_count("database_embedded_stale_lock_files") >= 1)
    await finish(outcome, service)
    return outcome


async def postgres_kill(settings: Settings) -> Outcome:
    outcome = Outcome("postgres-kill",
                      "the embedded PostgreSQL's postmaster SIGKILLed during JT/T 808 ingest")
    service = new_service(settings, outcome.name, scenario_folder(settings, outcome.name))
    await service.start()
    fleet = make_terminals("PK", settings.terminals, 13910000000)
    ledger = outcome.ledger
    timeline: list[tuple[float, int | None]] = []
    watching = asyncio.create_task(watch_health(service, timeline))
    stop = asyncio.Event()
    driving = asyncio.create_task(drive_fleet(
        fleet, service.jt808_port, settings.seconds + RECOVERY_TIMEOUT_S, settings.rate, ledger,
        drain_s=5, stop=stop))
    await asyncio.sleep(settings.seconds / 3)
    acked_before = len(ledger.acked)
    pid = kill_postmaster(service.pgdata)
    killed_at = time.time()
    await wait_until(lambda: back_again(timeline, killed_at) is not None, RECOVERY_TIMEOUT_S)
    await asyncio.sleep(settings.seconds * 2 / 3)
    stop.set()
    await driving
    watching.cancel()
    await asyncio.gather(watching, return_exceptions=True)
    jt808 = await service.jt808_counters()
    back_at = back_again(timeline, killed_at)
    ready_at = min((at for at in service.postgres_ready_times() if at > killed_at), default=None)
    # Away: from the kill (and the commits then under way) until PostgreSQL was
    # ready again: nothing can have been committed, so nothing may be acknowledged.
    away = (killed_at + 0.5, ready_at or time.time())
    restarts = service.log_count("database_embedded_restarted")
    first_after = ledger.first_ack_after(ready_at) if ready_at else None
    outcome.figures += [
        (f"{settings.terminals} terminals, {settings.rate:,.0f} reports/s; postmaster {pid} "
         f"SIGKILLed after {settings.seconds / 3:.1f} s ({acked_before:,} acknowledged by then)"),
        (f"PostgreSQL ready again {offset(ready_at, killed_at)} from the kill (restarted by the "
         f"service {restarts} time(s), crash recovery); /health 200 again "
         f"{offset(back_at, killed_at)}; sink failures (no ack) {jt808.get('sink_failures', '?')}"),
        (f"acks from the kill until 0.5 s after {ledger.acked_between(killed_at, away[0]):,}, "
         f"from then until PostgreSQL was ready {ledger.acked_between(*away):,}; first ack "
         f"after {offset(first_after, killed_at)} from the kill"),
    ]
    outcome.check("reports were being acknowledged when the postmaster was killed",
                  acked_before > 0)
    outcome.check("the service restarted its PostgreSQL by itself",
                  restarts >= 1 and ready_at is not None)
    outcome.check("/health said the database was away meanwhile", back_at is not None)
    outcome.check(f"no acknowledgement from 0.5 s after the kill until PostgreSQL was ready "
                  f"({max(0.0, away[1] - away[0]):.1f} s)", ledger.acked_between(*away) == 0)
    outcome.check("ingest resumed: reports acknowledged after the database came back",
                  first_after is not None)
    await finish(outcome, service)
    return outcome


async def cut_frame(settings: Settings) -> Outcome:
    outcome = Outcome("cut-frame",
                      "terminals' connections cut in the middle of a frame, beside honest ones")
    service = new_service(settings, outcome.name, scenario_folder(settings, outcome.name))
    await service.start()
    honest = make_terminals("CH", settings.terminals, 13920000000)
    victims = make_terminals("CX", settings.cuts, 13930000000)
    honest_ledger, victim_ledger = Ledger(), Ledger()
    driving = asyncio.create_task(drive_fleet(honest, service.jt808_port, settings.seconds,
                                              settings.rate, honest_ledger))
    rng = random.Random(808)
    cuts = []
    for n, victim in enumerate(victims):
        await asyncio.sleep(settings.seconds * 0.8 / settings.cuts)
        cuts.append(await cut_mid_frame(victim, service.jt808_port, victim_ledger,
                                        reset=n % 2 == 1, rng=rng))
        # The terminal comes back, as a real one would, and is served as before.
        await drive(victim, service.jt808_port, time.time() + 0.3, 0.1, victim_ledger)
    await driving
    health = await service.health()
    jt808 = await service.jt808_counters()
    outcome.ledger.merge(honest_ledger)
    outcome.ledger.merge(victim_ledger)
    partial = {cut.key for cut in cuts}
    resets = sum(cut.reset for cut in cuts)
    where = ", ".join(f"{c.sent_bytes}/{c.frame_bytes}" for c in cuts[:8])
    outcome.figures += [
        (f"{settings.terminals} honest terminals, {settings.rate:,.0f} reports/s for "
         f"{settings.seconds:.0f} s; {len(cuts)} connections cut mid-frame "
         f"({len(cuts) - resets} FIN, {resets} RST) after bytes {where}"
         f"{' ...' if len(cuts) > 8 else ''}"),
        (f"honest: sent {len(honest_ledger.sent):,}, acknowledged {len(honest_ledger.acked):,}, "
         f"connections lost {len(honest_ledger.errors)}; /health {health}; jt808 connections "
         f"opened {jt808.get('connections_opened', '?')}, "
         f"open at the end {jt808.get('connections_open', '?')}"),
    ]
    outcome.check("the server stayed up (/health 200)", health == 200)
    outcome.check("honest terminals unaffected: every report acknowledged, no connection lost",
                  honest_ledger.acked == honest_ledger.sent and not honest_ledger.errors)
    outcome.check("the terminals cut came back and were served",
                  victim_ledger.acked == victim_ledger.sent - partial)
    outcome.check("no cut frame acknowledged", not partial & outcome.ledger.acked)
    await finish(outcome, service)
    outcome.check("no cut frame stored", not partial & outcome.stored)
    return outcome


async def disk_full(settings: Settings) -> Outcome:
    outcome = Outcome("disk-full", "the data folder's disk filled during JT/T 808 ingest "
                      "(PostgreSQL stopping on it), then freed")
    folder = scenario_folder(settings, outcome.name)
    data_dir = folder / "data"
    size = folder_bytes(settings.template) + DISK_HEADROOM
    why_not = mount_small_disk(data_dir, size)
    if why_not is not None:
        outcome.skipped = f"{why_not}; run as root on a machine that allows mounting a tmpfs"
        return outcome
    try:
        service = new_service(settings, outcome.name, folder)
        await service.start()
        await fill_and_free(settings, outcome, service, size)
    finally:
        if outcome.name in settings.services:
            await release(settings.services[outcome.name])
        unmount(data_dir)
    return outcome


async def fill_and_free(settings: Settings, outcome: Outcome, service: Service,
                        size: int) -> None:
    fleet = make_terminals("DF", settings.terminals, 13940000000)
    ledger = outcome.ledger
    timeline: list[tuple[float, int | None]] = []
    watching = asyncio.create_task(watch_health(service, timeline))
    before_s, full_s = settings.seconds / 3, max(4.0, settings.seconds / 2)
    stop = asyncio.Event()
    driving = asyncio.create_task(drive_fleet(
        fleet, service.jt808_port, settings.seconds * 2 + RECOVERY_TIMEOUT_S, settings.rate,
        ledger, drain_s=5, stop=stop))
    await asyncio.sleep(before_s)
    acked_before = len(ledger.acked)
    ballast = service.data_dir / "ballast"
    filling_at = time.time()
    filled = await asyncio.to_thread(fill_disk, ballast)
    full_at = time.time()
    await asyncio.sleep(full_s / 2)
    crash = await crash_on_full_wal(service.pgdata)
    crashed_at = time.time()
    await asyncio.sleep(full_s / 2)
    free_disk(ballast)
    freed_at = time.time()
    await wait_until(lambda: ledger.first_ack_after(freed_at) is not None, RECOVERY_TIMEOUT_S)
    await asyncio.sleep(settings.seconds / 3)
    stop.set()
    await driving
    watching.cancel()
    await asyncio.gather(watching, return_exceptions=True)
    # Pages the database had already allocated (it extends tables many pages at
    # a time) take more reports after the fill: those are stored, and acknowledged,
    # until PostgreSQL stops on the full WAL. A commit that finished just before it
    # stopped may have its ack still on the wire, hence the half second.
    quiet_from = crashed_at + 0.5
    acked_full = ledger.acked_between(quiet_from, freed_at)
    first_freed = ledger.first_ack_after(freed_at)
    ready_at = min((at for at in service.postgres_ready_times() if at > crashed_at),
                   default=None)
    statuses = sorted({str(status) for at, status in timeline if full_at <= at < freed_at})
    outcome.figures += [
        (f"{settings.terminals} terminals, {settings.rate:,.0f} reports/s; tmpfs of "
         f"{size / 2**20:.0f} MiB; filled after {before_s:.0f} s ({acked_before:,} acknowledged "
         f"by then) with {filled / 2**20:.1f} MiB in {full_at - filling_at:.1f} s; full for "
         f"{full_s:.0f} s"),
        (f"acks after the fill {ledger.acked_between(full_at, freed_at):,}, the last "
         f"{offset(ledger.last_ack_before(freed_at), full_at)} from the fill; from "
         f"{quiet_from - full_at:.1f} s after it until freed {acked_full:,}; /health while full "
         f"{', '.join(statuses) or '-'}"),
        (f"{full_s / 2:.0f} s into it, WAL made to grow: {crash}; restart attempts "
         f"that failed while full {service.log_count('database_embedded_restart_failed')}"),
        (f"after freeing: PostgreSQL ready {offset(ready_at, freed_at)} (restarted by the "
         f"service {service.log_count('database_embedded_restarted')} time(s)), first ack "
         f"{offset(first_freed, freed_at)}"),
    ]
    outcome.check("reports were being acknowledged before the disk filled", acked_before > 0)
    outcome.check("acknowledgements stopped once PostgreSQL had stopped on the full disk",
                  acked_full == 0)
    outcome.check("the service restarted its PostgreSQL once space was freed",
                  ready_at is not None and ready_at >= freed_at)
    outcome.check("ingest resumed once space was freed", first_freed is not None)
    await finish(outcome, service)


SCENARIOS: dict[str, Callable[[Settings], Awaitable[Outcome]]] = {
    "service-kill": service_kill,
    "both-kill": partial(service_kill, with_postgres=True),
    "postgres-kill": postgres_kill,
    "cut-frame": cut_frame,
    "disk-full": disk_full,
}


async def run_one(name: str, settings: Settings) -> Outcome:
    started = time.monotonic()
    try:
        outcome = await asyncio.wait_for(SCENARIOS[name](settings), SCENARIO_TIMEOUT_S)
    except Exception as exc:  # a scenario that breaks is a failed one, with its reason
        outcome = Outcome(name, "broke")
        outcome.check(f"the scenario ran to its end ({exc!r})", False)
    finally:
        if name in settings.services:
            await release(settings.services[name])
    outcome.figures.append(f"scenario took {time.monotonic() - started:.1f} s")
    outcome.print()
    return outcome


async def run(names: list[str], settings: Settings, parallel: bool) -> list[Outcome]:
    """The scenarios one after the other, or all at once (each has its own
    service, folder and ports; timings are then those of a busier machine)."""
    if parallel:
        return list(await asyncio.gather(*(run_one(name, settings) for name in names)))
    return [await run_one(name, settings) for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--terminals", type=int, default=100)
    parser.add_argument("--rate", type=float, default=1000.0, help="reports/s, all terminals")
    parser.add_argument("--seconds", type=float, default=20.0, help="of load around each fault")
    parser.add_argument("--cuts", type=int, default=20, help="connections cut (cut-frame)")
    parser.add_argument("--feed", type=Path, help="GTFS zip as the live schedule (default: "
                        "the demo city)")
    parser.add_argument("--seed", type=int, default=7, help="of the demo city")
    parser.add_argument("--template", type=Path, help="prepared data folder to copy for each "
                        "scenario (prepared there if missing)")
    parser.add_argument("--parallel", action="store_true",
                        help="run the scenarios at the same time (the short form in CI)")
    parser.add_argument("--keep", action="store_true", help="keep the scenario folders and logs")
    args = parser.parse_args()
    # pgserver (opened here to count what is stored) warns that it falls back to
    # /tmp for its lock: the service does the same, so both share one lock.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    if args.terminals < 1 or args.rate <= 0 or args.seconds <= 0 or args.cuts < 1:
        parser.error("--terminals, --rate, --seconds and --cuts must be positive")
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}: choose from {', '.join(SCENARIOS)}")
    names = args.scenarios or list(SCENARIOS)
    work = Path(tempfile.mkdtemp(prefix="fault-"))
    template = args.template or work / "template"
    started = time.monotonic()
    print(f"data folders in {work}; template {template}: "
          f"{prepare_template(template, args.feed, args.seed)} "
          f"({time.monotonic() - started:.1f} s)", flush=True)
    settings = Settings(work, template, args.terminals, args.rate, args.seconds, args.cuts)
    try:
        outcomes = asyncio.run(run(names, settings, args.parallel))
    finally:
        if not args.keep:
            remove_folder(work)
    print(f"{'scenario':14s} {'sent':>8s} {'acked':>8s} {'stored':>8s} "
          f"{'acked-stored':>12s}  result")
    for o in outcomes:
        if o.skipped is not None:
            print(f"{o.name:14s} {'':>8s} {'':>8s} {'':>8s} {'':>12s}  skipped")
            continue
        print(f"{o.name:14s} {len(o.ledger.sent):8,d} {len(o.ledger.acked):8,d} "
              f"{len(o.stored):8,d} {o.acked_not_stored:12d}  {'PASS' if o.passed else 'FAIL'}")
    print(f"total {time.monotonic() - started:.1f} s")
    if any(o.skipped is None and not o.passed for o in outcomes):
        sys.exit(1)
    if all(o.skipped is not None for o in outcomes):
        sys.exit(SKIPPED)


if __name__ == "__main__":
    main()

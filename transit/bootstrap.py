"""Wiring: the one place that builds the service from configuration.

Resources are opened here, in order, and closed in reverse; the core gets data
and a clock, never a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from rich.console import Console

from feeds.gtfsrt.poller import PollStats, poll
from feeds.jt808.bindings import OPEN_REGISTRATION, load_bindings
from feeds.jt808.server import Jt808Server, ServerConfig
from feeds.schedules.depots import demo_city_depots
from feeds.schedules.line_depots import derived_line_depots, read_line_depots
from signage.registry import demo_registry, load_registry, write_registry
from transit.api.app import BACKGROUND, IngestAccess, PassengerAccess, ServiceContext, init_app
from transit.api.console import ConsoleSettings
from transit.api.ratelimit import KeyPolicy, parse_keys
from transit.api.reader_auth import ReaderDirectory
from transit.api.tap_push import ReaderPush
from transit.api.http_log import server_logger
from transit.config import Config
from transit.console.line_depots import LineDepots, line_depots
from transit.console.sessions import SessionPolicy
from transit.demo import SimulatedClock, demo_demand, demo_start, ensure_demo_schedule, run_simulation
from transit.freshness import LIVE_MAX_AGE_S
from transit.ingest import Ingest
from transit.flow.crowding import CrowdingParams
from transit.live.crowding import CrowdingBook, load_alighting_shares
from transit.live.restore import Restored, restore_rest, restore_start
from transit.live.tracking import LiveTracking
from transit.model.network import Network
from transit.model.service_days import service_day_of
from transit.records import StopEvent
from transit.progress import steps
from transit.store import DATABASE_ERRORS, Pool
from transit.store.batching import BatchWriter, FlushFailed
from transit.store.embedded import create_pool, open_database
from transit.store.errors import is_row_fault
from transit.store.migrate import apply_migrations
from transit.store.reports import insert_reports
from transit.store.stop_events import list_stop_events, upsert_stop_events
from transit.store.readers import list_readers
from transit.store.taps import insert_taps, store_new_taps
from transit.prediction.history import History, learn_history
from transit.prediction.ensemble import SelfCheckingPredictor
from transit.prediction.predictor import Predictor
from transit.tracking.tracker import Tracker
from transit.versions import LiveSchedule, follow_live_version, load_schedule, open_live_schedule

_log = logging.getLogger(__name__)
STATUS_EVERY_S = 10.0
# How often a running service asks which version is live (a switch starts within this).
WATCH_EVERY_S = 2.0


@contextlib.asynccontextmanager
async def open_store(config: Config) -> AsyncIterator[Pool]:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    async with open_database(config.database_url, config.postgres_dir) as dsn:
        pool = await create_pool(dsn)
        try:
            applied = await apply_migrations(pool)
            if applied:
                _log.info("migrations_applied names=%s", ",".join(applied))
            yield pool
        finally:
            await pool.close()


HISTORY_DAYS = 28


async def load_history(pool: Pool, network: Network, today: date) -> History:
    """Running times and dwells of the stored stop events of the last four
    weeks, learned off the event loop."""
    events = []
    for back in range(1, HISTORY_DAYS + 1):
        events += await list_stop_events(pool, today - timedelta(days=back))
    history = await asyncio.to_thread(learn_history, network, events)
    _log.info("history_loaded days=%d events=%d segments=%d", len(history.days), len(events),
              len(history.running_all_day))
    return history


def settle_heap() -> None:
    """Get the collector out of the hot path once everything is loaded.

    The network and history are millions of long-lived objects: left in the
    collector's generations, every full collection walks them and stalls the
    loop for 100+ ms. Frozen, and with collections far rarer than Python's
    default (every 700 allocations), sign polls keep p99 12 ms instead of 71
    ms (scripts/bench_signs.py). The service makes few reference cycles, so
    collecting rarely costs little memory. Unfrozen first: a service that
    switched schedule versions leaves the previous network's objects frozen,
    and frozen objects are never collected.
    """
    gc.unfreeze()
    _forget_closed_apps()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _forget_closed_apps() -> None:
    """Empty aiohttp's module-wide cache of middleware chains: it keys them
    by the applications they ran for, so a closed generation's application
    (and its network) would stay reachable until a thousand newer chains
    pushed it out. Private to aiohttp, hence looked up with care."""
    cached = getattr(aiohttp.web_app, "_cached_build_middleware", None)
    if cached is not None:
        cached.cache_clear()


def passenger_access(config: Config, network: Network) -> PassengerAccess:
    """The sign registry (generated once into the data folder when none is
    configured: one sign per stop, 4 electronic) and the app's API keys."""
    path = config.signs_registry
    if path is None:
        path = config.data_dir / "signs.csv"
        if not path.exists():
            write_registry(demo_registry(network, config.seed), path)
            _log.info("sign_registry_generated path=%s", path)
    return PassengerAccess(load_registry(path, network.stops), config.sign_admin_token,
                           parse_keys(config.app_api_keys))


def load_line_depots(config: Config, network: Network) -> LineDepots:
    """Which depot runs which line: the configured file (``line_depots``), or
    each line's nearest demo-city depot. Lines of no depot, and a file's lines
    the network lacks, are logged. Raises ``DepotsFileError`` for a bad file."""
    if config.line_depots is None:
        found = derived_line_depots(network, demo_city_depots())
        source = "nearest demo-city depot"
    else:
        pairs = read_line_depots(config.line_depots)
        unknown = sorted({r for r, _ in pairs if r not in network.routes})
        if unknown:
            _log.warning("line_depots_unknown_lines path=%s lines=%s", config.line_depots, ",".join(unknown))
        found = line_depots((r, d) for r, d in pairs if r in network.routes)
        source = str(config.line_depots)
    without = sorted(r for r in network.routes if r not in found.depots_of)
    _log.info("line_depots source=%s lines=%d depots=%s", source, len(found.depots_of),
              ",".join(sorted({d for depots in found.depots_of.values() for d in depots})))
    if without:
        _log.warning("line_depots_missing lines=%s (depot-scoped console roles reach none of them)",
                     ",".join(without))
    return found


def console_settings(config: Config, network: Network) -> ConsoleSettings:
    return ConsoleSettings(SessionPolicy(config.console_session_idle_s, config.console_session_max_s),
                           secure_cookies=config.console_secure_cookies, timezone=network.timezone,
                           line_depots=load_line_depots(config, network))


@dataclass(frozen=True)
class Generation:
    """The service built on one schedule version, as ``_open_generation`` yields it."""

    context: ServiceContext
    ingest: Ingest
    http_url: str
    jt808: Jt808Server | None
    tasks: tuple[asyncio.Task[object], ...]  # background work; one ending early is a crash

    def check(self) -> None:
        """Raise what a crashed background task raised (a crash stops the service loudly)."""
        for task in self.tasks:
            if task.done():
                task.result()
                raise RuntimeError(f"background task {task.get_name()} ended")


@dataclass(frozen=True)
class Switch:
    """One switch of a running service to another live version (wall seconds)."""

    from_version: int
    to_version: int
    noticed_at: float  # the watch saw the new live version (wall clock)
    loaded_s: float  # noticed -> its network and live state made, today restored (the old one still serving)
    down_s: float  # the old generation closing -> the new one serving: nothing is served meanwhile
    total_s: float  # noticed -> serving the new version


@dataclass(frozen=True)
class _Prepared:
    """What a generation needs that can be made while the previous one still
    serves: the network, and the live state on it (the predictor on four
    weeks of history, crowding on the alighting shares) with what was stored
    today so far restored; the rest is restored once the previous one closed."""

    schedule: LiveSchedule
    live: LiveTracking
    events: asyncio.Queue[Sequence[StopEvent]]  # the stop events the live state finds, to be stored
    restored: Restored


class Service:
    """The running service: one generation at a time, on the live schedule
    version. When another version becomes live (a publication from today, a
    roll-back, or a publication's later day coming), it reads the new one
    while the old still serves, then closes the old as a stop does (stored
    reports flushed) and opens the new on the same ports as a restart does
    (today's stored reports restored). ``context``, ``http_url`` and the
    others are the current generation's."""

    def __init__(self, first: Generation, follower: asyncio.Task[None]) -> None:
        self.current = first
        self.switches: list[Switch] = []
        self._follower = follower

    @property
    def context(self) -> ServiceContext:
        return self.current.context

    @property
    def ingest(self) -> Ingest:
        return self.current.ingest

    @property
    def http_url(self) -> str:
        return self.current.http_url

    @property
    def jt808(self) -> Jt808Server | None:
        return self.current.jt808

    @property
    def tasks(self) -> tuple[asyncio.Task[object], ...]:
        return self.current.tasks

    def check(self) -> None:
        """Raise what a crash raised: of the current generation's work, or of the switching itself."""
        if self._follower.done():
            self._follower.result()
            raise RuntimeError("the schedule follower ended")
        self.current.check()


_Build = Callable[[_Prepared, Config], contextlib.AbstractAsyncContextManager[Generation]]


@contextlib.asynccontextmanager
async def open_service(
    config: Config,
    console: Console,
    *,
    demo: bool,
    day: date | None = None,
    start: clock_time | None = None,
    wall_clock: Callable[[], float] = time.time,
    watch_every_s: float = WATCH_EVERY_S,
) -> AsyncIterator[Service]:
    """Open the store and the first generation on the live version (see
    ``_open_generation``), then follow the live version (``Service``); close
    them in reverse on exit. ``wall_clock`` dates the service days of
    publications and console acts (the demo's service clock is simulated,
    as is any service given ``start``: a simulated day's reports fed in over
    its sockets, scripts/bench_live_vs_replay.py)."""
    async with open_store(config) as pool:
        if demo:
            await ensure_demo_schedule(pool, config, console)
        first, clock = await _first(pool, config, console, demo=demo, day=day, start=start, wall_clock=wall_clock)
        build: _Build = partial(_open_generation, pool, console, clock, wall_clock, demo=demo)
        stop = asyncio.Event()
        ready: asyncio.Future[Service] = asyncio.get_running_loop().create_future()
        follower = asyncio.create_task(
            _follow_live(pool, build, first, config, wall_clock, watch_every_s, ready, stop),
            name="schedule_follower")
        del first  # the follower alone holds the version it runs, so that a switch can free it
        try:
            await asyncio.wait([ready, follower], return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                follower.result()  # the first generation failed to open: raise why
            yield ready.result()
        finally:
            # Not a cancel: a switch under way finishes, so the generation it opened is closed in order.
            stop.set()
            if not ready.done():
                follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)


async def _first(pool: Pool, config: Config, console: Console, *, demo: bool, day: date | None,
                 start: clock_time | None, wall_clock: Callable[[], float],
                 ) -> tuple[_Prepared, Callable[[], float]]:
    """The live version as a starting service runs it, prepared, and the
    service's clock: the wall clock, or in the demo (and wherever ``start``
    is given: a simulated day fed from outside) a simulated one from ``day``
    and ``start``."""
    with steps(console, "loading the live schedule") as note:
        schedule = await open_live_schedule(pool, wall_clock(), note)
    clock: Callable[[], float] = time.time
    if demo or start is not None:
        timezone = schedule.network.timezone
        begin = demo_start(day, start, datetime.fromtimestamp(wall_clock(), ZoneInfo(timezone)), timezone)
        clock = SimulatedClock(begin.timestamp(), config.speed, time.monotonic())
    return await _prepare(pool, schedule, clock, config), clock


async def _follow_live(pool: Pool, build: _Build, prepared: _Prepared, config: Config,
                       wall_clock: Callable[[], float], every_s: float,
                       ready: asyncio.Future[Service], stop: asyncio.Event) -> None:
    """Run one generation after another, each until the live version changes or ``stop`` is set."""
    follower = asyncio.current_task()
    assert follower is not None
    service: Service | None = None
    switching: _Switching | None = None
    while True:
        async with build(prepared, config) as generation:
            if service is None:
                service = Service(generation, follower)
                ready.set_result(service)
            else:
                service.current = generation
            # Only now that nothing refers to the previous generation can its network go.
            settle_heap()
            if switching is not None:
                switch = switching.done(generation.context.schedule_version)
                service.switches.append(switch)
                _log.info("schedule_switched from=%d to=%d loaded_s=%.2f down_s=%.2f total_s=%.2f",
                          switch.from_version, switch.to_version, switch.loaded_s, switch.down_s,
                          switch.total_s, extra={"event": "schedule_switched"})
            switching = await _watch_live(pool, generation, config, wall_clock, every_s, stop)
            if switching is None:
                return
            prepared = switching.prepared
            config = _same_ports(config, generation)
            switching.closing = time.perf_counter()


@dataclass
class _Switching:
    """A switch under way (``noticed_at`` wall clock; the others perf counter seconds)."""

    from_version: int
    prepared: _Prepared
    noticed_at: float
    noticed: float
    loaded: float
    closing: float = 0.0  # the old generation began to close

    def done(self, to_version: int) -> Switch:
        now = time.perf_counter()
        return Switch(self.from_version, to_version, self.noticed_at, self.loaded - self.noticed,
                      now - self.closing, now - self.noticed)


async def _watch_live(pool: Pool, generation: Generation, config: Config, wall_clock: Callable[[], float],
                      every_s: float, stop: asyncio.Event) -> _Switching | None:
    """Every ``every_s``, which version should run now; when it is another,
    that version prepared (the generation still serving) for the switch. None
    once ``stop`` is set."""
    context = generation.context
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
        if stop.is_set():
            return None
        now = wall_clock()
        try:
            live = await follow_live_version(pool, service_day_of(now, context.network.timezone), now)
            if live is None or live == context.schedule_version:
                continue
            noticed = time.perf_counter()
            _log.info("schedule_switching from=%d to=%d", context.schedule_version, live,
                      extra={"event": "schedule_switching"})
            prepared = await _prepare(pool, await load_schedule(pool, live), context.clock, config)
        except DATABASE_ERRORS as exc:
            # The database away for a moment: keep serving the version running, ask again later.
            _log.warning("schedule_watch_failed error=%s: %s", type(exc).__name__, exc,
                         extra={"event": "schedule_watch_failed"})
            continue
        if stop.is_set():
            return None
        return _Switching(context.schedule_version, prepared, now, noticed, time.perf_counter())


def _same_ports(config: Config, generation: Generation) -> Config:
    """``config`` with the ports ``generation`` listens on (a port 0 was chosen at its start)."""
    port = int(generation.http_url.rsplit(":", 1)[1])
    jt808 = config.jt808_port if generation.jt808 is None else generation.jt808.port
    return replace(config, http_port=port, jt808_port=jt808)


async def _prepare(pool: Pool, schedule: LiveSchedule, clock: Callable[[], float], config: Config) -> _Prepared:
    """The live state on ``schedule``'s network: tracker, predictor on the
    stored history, crowding on the latest built flow day's alighting
    patterns, with today's stored reports restored up to now."""
    network = schedule.network
    today = datetime.fromtimestamp(clock(), ZoneInfo(network.timezone)).date()
    history = await load_history(pool, network, today)
    predictor = SelfCheckingPredictor(network, Predictor(network, history))
    crowding = CrowdingBook(network, await load_alighting_shares(pool, network),
                            CrowdingParams(capacity=config.bus_capacity))
    events: asyncio.Queue[Sequence[StopEvent]] = asyncio.Queue()
    live = LiveTracking(Tracker(network), clock, events.put_nowait, predictor, crowding)
    return _Prepared(schedule, live, events, await restore_start(pool, live, network.timezone, clock))


@contextlib.asynccontextmanager
async def _open_generation(
    pool: Pool,
    console: Console,
    clock: Callable[[], float],
    wall_clock: Callable[[], float],
    prepared: _Prepared,
    config: Config,
    *,
    demo: bool,
) -> AsyncIterator[Generation]:
    """Open live state, writers, feeds (JT/T 808, GTFS-RT pollers, HTTP
    push, and in the demo the simulated fleet) and the HTTP API on the
    prepared version, in that order; close them in reverse on exit."""
    async with contextlib.AsyncExitStack() as stack:
        network = prepared.schedule.network
        live, ingest, tasks = await _open_ingest(stack, pool, prepared, clock, config)
        context = ServiceContext(network, prepared.schedule.version_id, live,
                                 partial(pool.fetchval, "SELECT 1"), clock)
        jt808 = await _open_jt808(stack, config, ingest, clock)
        pollers = await _open_pollers(stack, config, ingest, clock, tasks)
        app = init_app(context, await asyncio.to_thread(passenger_access, config, network),
                       IngestAccess(
                           ingest.submit_reports, parse_keys(config.push_keys),
                           ingest=partial(_ingest_counts, ingest),
                           jt808=None if jt808 is None else (lambda: asdict(jt808.counters())),
                           pollers={url: partial(asdict, stats) for url, stats in pollers.items()},
                           taps=_reader_push(pool, ingest, config)),
                       store=pool, console=console_settings(config, network), wall_clock=wall_clock)
        tasks += [_start_task(stack, work(), name) for name, work in app[BACKGROUND]]
        http_url = await _serve_http(stack, app, config)
        if demo and config.simulate:
            demand = await demo_demand(pool, prepared.schedule.version_id)
            tasks.append(_start_task(
                stack, run_simulation(network, demand, ingest, clock, config, console, pool),  # type: ignore[arg-type]
                "simulation"))
        yield Generation(context, ingest, http_url, jt808, tuple(tasks))


async def _open_ingest(
    stack: contextlib.AsyncExitStack, pool: Pool, prepared: _Prepared,
    clock: Callable[[], float], config: Config,
) -> tuple[LiveTracking, Ingest, list[asyncio.Task[object]]]:
    """The prepared live state with the rest of today's stored reports
    restored, the three group-commit writers and the ingest path, with their
    running tasks."""
    live = prepared.live
    await restore_rest(pool, live, clock, prepared.restored)
    writers = [await stack.enter_async_context(BatchWriter(
        partial(flush, pool), name=name, is_row_fault=is_row_fault))
        for name, flush in (("reports", insert_reports), ("taps", insert_taps),
                            ("stop_events", upsert_stop_events))]
    ingest = Ingest(writers[0], writers[1], live, config.pseudonym_key.encode(), partial(store_new_taps, pool))
    return live, ingest, [
        _start_task(stack, live.run(), "live"),
        _start_task(stack, ingest.run(), "ingest"),
        _start_task(stack, _store_events(prepared.events, writers[2]), "stop_events"),
    ]


def _ingest_counts(ingest: Ingest) -> dict[str, object]:
    return {"reports_stored": ingest.stored_reports, "taps_stored": ingest.stored_taps,
            "taps_duplicate": ingest.duplicate_taps, "refused": dict(ingest.refused)}


def _reader_push(pool: Pool, ingest: Ingest, config: Config) -> ReaderPush:
    """POS readers' tap push: the registry in PostgreSQL, one rate for every reader."""
    return ReaderPush(ingest.submit_taps, ReaderDirectory(partial(list_readers, pool)),
                      KeyPolicy("reader", config.reader_push_rate, config.reader_push_burst))


async def _serve_http(stack: contextlib.AsyncExitStack, app: web.Application, config: Config) -> str:
    """Serve ``app`` on the configured address; its base URL (the port may have been 0)."""
    runner = web.AppRunner(app, access_log=None, logger=server_logger())
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, config.http_host, config.http_port).start()
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


def _start_task(
    stack: contextlib.AsyncExitStack, work: Coroutine[object, object, object], name: str
) -> asyncio.Task[object]:
    """A background task that the stack cancels (and awaits) on exit."""
    task = asyncio.create_task(work, name=name)

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    stack.push_async_callback(stop)
    return task


async def _open_jt808(
    stack: contextlib.AsyncExitStack, config: Config, ingest: Ingest, clock: Callable[[], float]
) -> Jt808Server | None:
    if config.jt808_port == 0:
        return None
    bindings = OPEN_REGISTRATION
    if config.jt808_bindings is not None:
        bindings = await asyncio.to_thread(load_bindings, config.jt808_bindings)
        _log.info("jt808_bindings path=%s terminals=%d", config.jt808_bindings,
                  len(bindings.by_phone), extra={"event": "jt808_bindings"})
    else:
        _log.warning("jt808_open_registration: any terminal may register as the vehicle its "
                     "plate names; set TRANSIT_JT808_BINDINGS in production",
                     extra={"event": "jt808_open_registration"})
    server = Jt808Server(ingest.submit_reports, bindings, clock,
                         ServerConfig(auth_key=config.jt808_auth_key.encode()))
    await server.start(config.jt808_host, config.jt808_port)
    stack.push_async_callback(server.close)
    return server


async def _open_pollers(
    stack: contextlib.AsyncExitStack, config: Config, ingest: Ingest,
    clock: Callable[[], float], tasks: list[asyncio.Task[object]],
) -> dict[str, PollStats]:
    """One poller per configured URL, sharing one HTTP session."""
    urls = config.gtfsrt_poll_list
    if not urls:
        return {}
    session = await stack.enter_async_context(aiohttp.ClientSession())
    pollers: dict[str, PollStats] = {}
    for n, url in enumerate(urls):
        stats = pollers[url] = PollStats()
        work = poll(url, ingest.submit_reports, interval_s=config.gtfsrt_poll_interval_s,
                    session=session, clock=clock, stats=stats)
        tasks.append(_start_task(stack, work, f"gtfsrt-poller-{n}"))
    return pollers


async def run_service(
    config: Config,
    console: Console,
    *,
    demo: bool,
    day: date | None = None,
    start: clock_time | None = None,
) -> None:
    """Run until SIGINT/SIGTERM: store, live state, feeds, HTTP API, and in the
    demo the simulated fleet."""
    # A signal while starting (loading a schedule takes seconds) cancels the
    # start, so whatever was opened, the embedded PostgreSQL included, is closed.
    loop = asyncio.get_running_loop()
    starting = asyncio.current_task()
    assert starting is not None
    stopped_early = asyncio.Event()

    def stop_starting() -> None:
        stopped_early.set()
        starting.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_starting)
    try:
        await _serve(config, console, demo=demo, day=day, start=start)
    except asyncio.CancelledError:
        if not stopped_early.is_set():
            raise
        starting.uncancel()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _serve(config: Config, console: Console, *, demo: bool, day: date | None,
                 start: clock_time | None) -> None:
    async with open_service(config, console, demo=demo, day=day, start=start) as service:
        base = service.http_url
        jt808 = "" if service.jt808 is None else f"  JT/T 808 on port {service.jt808.port}"
        console.print(
            f"[bold]serving[/bold] {base}/health  {base}/api/vehicles  {base}/metrics  "
            f"{base}/gtfs-rt/vehicle-positions.pb{jt808}   (Ctrl-C stops)"
        )
        await _until_stopped(service, lambda: _status_line(service.context, service.ingest),
                             console)


async def _store_events(events: asyncio.Queue[Sequence[StopEvent]], writer: BatchWriter[StopEvent]) -> None:
    """Stop events are derived from stored reports, so they are written behind
    the live state rather than before it."""
    while True:
        batch = list(await events.get())
        while not events.empty():
            batch.extend(events.get_nowait())
        try:
            await writer.write(batch)
        except FlushFailed:
            _log.exception("stop_events_not_stored count=%d", len(batch))


def _status_line(context: ServiceContext, ingest: Ingest) -> str:
    now = context.clock()
    local = datetime.fromtimestamp(now, ZoneInfo(context.network.timezone))
    live = context.live.snapshot.list_live(now, LIVE_MAX_AGE_S)
    on_trip = sum(1 for v in live if v.trip is not None)
    return (f"{local:%Y-%m-%d %H:%M:%S}  buses live {len(live)} ({on_trip} on a trip)  "
            f"reports stored {ingest.stored_reports:,}  taps stored {ingest.stored_taps:,}")


async def _until_stopped(service: Service, status: Callable[[], str], console: Console) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            service.check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), STATUS_EVERY_S)
            console.print(status(), highlight=False)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)



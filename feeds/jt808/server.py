"""The JT/T 808 TCP server: terminals in, ``VehicleReport`` batches out to a durable sink.

Per connection, one task reads frames and one writes replies. Every message that
needs an answer puts one entry in the connection's reply queue, in arrival order:
bytes ready now, or a task that resolves to the ack once the sink has made the
reports durable (None if it failed: no ack, the terminal resends). The reader never
waits for a commit, so commits pipeline; the queue is bounded, so a flooding
terminal stops being read until its acks drain, without slowing anyone else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from feeds.jt808.bindings import Bindings, Refused, find_authenticated_vehicle, issue_auth_code
from feeds.jt808.codec import EncodeError, decode_frame, encode_message
from feeds.jt808.counters import CounterSet, Jt808Counters
from feeds.jt808.framing import FrameError, FrameErrorReason, FrameSplitter
from feeds.jt808.messages import (
    Authentication, BatchLocation, GeneralResult, Header, Heartbeat, Location, Logout,
    Message, MsgId, PlatformGeneralResponse, Registration, RegistrationResponse,
    RegistrationResult, TerminalGeneralResponse, Unsupported,
)
from feeds.jt808.reports import list_locations, to_vehicle_report
from transit.records import VehicleReport
from transit.validation import Refusal, check_report

_log = logging.getLogger(__name__)

# Returns once the reports are durable, with those refused for good by index
# (``Ingest.submit_reports``); raises when the database cannot take them now.
Sink = Callable[[Sequence[VehicleReport]], Awaitable[Mapping[int, Refusal]]]
Clock = Callable[[], float]
# What the writer sends for one message: bytes now, or after a commit (None: nothing).
_Reply = bytes | asyncio.Task[bytes | None]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Times in seconds. ``auth_key`` signs the auth codes given at registration."""

    auth_key: bytes
    auth_timeout: float = 60.0  # connect -> authenticated, whatever else is sent
    idle_timeout: float = 300.0  # no bytes at all (terminals beat every 60 s by default)
    max_in_flight: int = 64  # messages read but not yet answered, per connection
    max_bad_frames: int = 16  # consecutive bad frames before the connection is closed
    read_size: int = 64 * 1024


def _event(level: int, name: str, **fields: object) -> None:
    if _log.isEnabledFor(level):
        text = " ".join(f"{k}={v}" for k, v in fields.items())
        _log.log(level, "%s %s", name, text, extra={"event": name, **fields})


class Jt808Server:
    """Accepts terminals; ``start`` then ``close`` (or ``async with``)."""

    def __init__(
        self, sink: Sink, bindings: Bindings, clock: Clock, config: ServerConfig
    ) -> None:
        self._sink = sink
        self._bindings = bindings
        self._clock = clock
        self.config = config
        self._counters = CounterSet()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._commits: set[asyncio.Task[bytes | None]] = set()
        self._logged_in: dict[str, set[str]] = {}  # vehicle id -> phones logged in now
        self._failure_logged_at = -float("inf")
        self._unlogged_failures = 0

    async def __aenter__(self) -> Jt808Server:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._on_connect, host, port)
        _event(logging.INFO, "jt808_listening", host=host, port=self.port)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening, drop every connection, cancel commits still waiting."""
        if self._server is not None:
            self._server.close()
        for task in [*self._connections, *self._commits]:
            task.cancel()
        await asyncio.gather(*self._connections, *self._commits, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def counters(self) -> Jt808Counters:
        return self._counters.snapshot()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._counters.add("connections_opened")
        self._counters.add("connections_open")
        connection = _Connection(self, reader, writer)
        try:
            await connection.run()
        except asyncio.CancelledError:
            pass  # only ``close`` cancels handlers; asyncio would log it as an error
        finally:
            self._connections.discard(task)
            self._counters.add("connections_open", -1)
            if connection.vehicle_id is not None:
                self._logout(connection.phone, connection.vehicle_id)
            writer.close()

    def _note_sink_failure(self, header: Header, reports: int, exc: Exception) -> None:
        """Log a failed commit, at most one line a second: an outage fails every
        message of every terminal, and thousands of lines a second hide the cause."""
        now = asyncio.get_running_loop().time()
        self._unlogged_failures += 1
        if now - self._failure_logged_at >= 1.0:
            _event(logging.WARNING, "jt808_sink_failed", phone=header.phone, flow=header.flow,
                   reports=reports, error=repr(exc), failures_since_last_line=self._unlogged_failures)
            self._failure_logged_at, self._unlogged_failures = now, 0

    def _login(self, phone: str, vehicle_id: str) -> None:
        phones = self._logged_in.setdefault(vehicle_id, set())
        others = phones - {phone}
        if others:
            # Allowed (a bus may carry two terminals) but worth seeing: their fixes
            # interleave in one vehicle's track.
            self._counters.add("shared_vehicle_logins")
            _event(logging.WARNING, "jt808_vehicle_shared", vehicle_id=vehicle_id,
                   phone=phone, other_phones=",".join(sorted(others)))
        phones.add(phone)

    def _logout(self, phone: str | None, vehicle_id: str) -> None:
        phones = self._logged_in.get(vehicle_id)
        if phones is not None and phone is not None:
            phones.discard(phone)
            if not phones:
                del self._logged_in[vehicle_id]


class _Connection:
    """One terminal's TCP connection: session state, frame reading, ordered replies."""

    def __init__(
        self, server: Jt808Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.config = server.config
        self.counters = server._counters
        self.reader = reader
        self.writer = writer
        self.peer = writer.get_extra_info("peername")
        self.phone: str | None = None  # set once authenticated
        self.vehicle_id: str | None = None
        self.replies: asyncio.Queue[_Reply] = asyncio.Queue()
        # One unit per message read but not yet answered: bounds commits in flight.
        self.room = asyncio.Semaphore(self.config.max_in_flight)
        self.flow = 0  # the platform's own serial number on this connection
        self.bad_in_a_row = 0

    async def run(self) -> None:
        """Until the terminal leaves, times out, sends garbage, or a write fails."""
        reading = asyncio.create_task(self._read_frames())
        writing = asyncio.create_task(self._write_replies())
        try:
            await asyncio.wait({reading, writing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reading, writing):
                task.cancel()
            results = await asyncio.gather(reading, writing, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                _event(logging.INFO, "jt808_connection_lost", peer=self.peer, phone=self.phone,
                       error=repr(result))

    async def _read_frames(self) -> None:
        loop = asyncio.get_running_loop()
        auth_deadline = loop.time() + self.config.auth_timeout
        splitter = FrameSplitter()
        while True:
            timeout = self.config.idle_timeout
            waiting_auth = self.vehicle_id is None
            if waiting_auth:
                timeout = min(timeout, auth_deadline - loop.time())
            try:
                if timeout <= 0:
                    raise TimeoutError
                chunk = await asyncio.wait_for(self.reader.read(self.config.read_size), timeout)
            except TimeoutError:
                which = "auth_timeouts" if waiting_auth and loop.time() >= auth_deadline else "idle_timeouts"
                self.counters.add(which)
                _event(logging.INFO, f"jt808_{which[:-1]}", peer=self.peer, phone=self.phone)
                return
            if not chunk:
                return
            overflows = splitter.overflows
            frames = splitter.feed(chunk)
            for _ in range(splitter.overflows - overflows):
                if not self._bad_frame(FrameError(FrameErrorReason.TOO_LONG, "no flag in reach")):
                    return
            for frame in frames:
                self.counters.add("frames")
                try:
                    message = decode_frame(frame)
                except FrameError as exc:
                    if not self._bad_frame(exc):
                        return
                    continue
                self.bad_in_a_row = 0
                if self.room.locked():
                    self.counters.add("throttled")
                # Waiting here stops reading this socket only: backpressure to the
                # terminal through TCP, while other connections go on.
                await self.room.acquire()
                reply = self._handle(message)
                if reply is None:
                    self.room.release()
                else:
                    self.replies.put_nowait(reply)

    def _bad_frame(self, error: FrameError) -> bool:
        """Count and log ``error``; False when the connection should be closed."""
        self.counters.add_bad_frame(error.reason)
        self.bad_in_a_row += 1
        _event(logging.INFO, "jt808_bad_frame", peer=self.peer, reason=error.reason.value,
               detail=error.detail, offset=error.offset, msg_id=error.msg_id)
        if self.bad_in_a_row > self.config.max_bad_frames:
            self.counters.add("garbage_disconnects")
            _event(logging.WARNING, "jt808_garbage_disconnect", peer=self.peer,
                   bad_frames=self.bad_in_a_row)
            return False
        return True

    async def _write_replies(self) -> None:
        while True:
            reply = await self.replies.get()
            data = reply if isinstance(reply, bytes) else await reply
            if data is not None:
                self.writer.write(data)
                await self.writer.drain()
            self.room.release()

    # ------------------------------------------------------------ messages

    def _handle(self, message: Message) -> _Reply | None:
        header, body = message.header, message.body
        match body:
            case Location() | BatchLocation():
                return self._handle_locations(header, body)
            case Heartbeat():
                return self._general(header, GeneralResult.OK)
            case Registration():
                return self._handle_registration(header, body)
            case Authentication():
                return self._handle_authentication(header, body)
            case Logout():
                if self.vehicle_id is not None and header.phone == self.phone:
                    self.server._logout(self.phone, self.vehicle_id)
                    self.phone = self.vehicle_id = None
                return self._general(header, GeneralResult.OK)
            case TerminalGeneralResponse():
                return None  # the terminal acknowledging us; we send nothing that needs it
            case Unsupported() | PlatformGeneralResponse() | RegistrationResponse():
                self.counters.add("unsupported_messages")
                why = body.why if isinstance(body, Unsupported) else "platform message from a terminal"
                _event(logging.INFO, "jt808_unsupported", peer=self.peer, phone=header.phone,
                       msg_id=f"0x{header.msg_id:04x}", why=why)
                return self._general(header, GeneralResult.NOT_SUPPORTED)
        raise AssertionError(f"unhandled body {type(body).__name__}")

    def _handle_registration(self, header: Header, body: Registration) -> bytes:
        judged = self.server._bindings.judge_registration(header.phone, body.plate)
        if isinstance(judged, Refused):
            self._refuse_terminal(header, judged, body.plate)
            if judged.reason == "bad_plate":
                return self._general(header, GeneralResult.MESSAGE_ERROR)
            return self._reply(header, RegistrationResponse(header.flow, judged.result, ""))
        self.counters.add("registrations")
        _event(logging.INFO, "jt808_registered", phone=header.phone, vehicle_id=judged)
        code = issue_auth_code(self.config.auth_key, header.phone, judged)
        return self._reply(header, RegistrationResponse(header.flow, RegistrationResult.OK, code))

    def _refuse_terminal(self, header: Header, refused: Refused, claimed: str) -> None:
        if refused.security:
            self.counters.add("security_refusals")
            _event(logging.WARNING, "jt808_security_refused", peer=self.peer, phone=header.phone,
                   reason=refused.reason, claimed=repr(claimed))
        elif refused.reason in ("no_plate", "unbound_terminal"):
            self.counters.add("unknown_terminals")
            _event(logging.WARNING, "jt808_unknown_terminal", peer=self.peer, phone=header.phone)
        else:
            self.counters.add("registrations_refused")
            _event(logging.INFO, "jt808_registration_refused", peer=self.peer,
                   phone=header.phone, reason=refused.reason, claimed=repr(claimed))

    def _handle_authentication(self, header: Header, body: Authentication) -> bytes:
        issued_for = find_authenticated_vehicle(self.config.auth_key, header.phone, body.code)
        if issued_for is None:
            self.counters.add("auth_failures")
            _event(logging.WARNING, "jt808_auth_failed", peer=self.peer, phone=header.phone)
            return self._general(header, GeneralResult.FAILURE)
        vehicle_id = self.server._bindings.judge_login(header.phone, issued_for)
        if isinstance(vehicle_id, Refused):
            self.counters.add("auth_failures")
            self._refuse_terminal(header, vehicle_id, issued_for)
            return self._general(header, GeneralResult.FAILURE)
        if self.vehicle_id is not None:
            self.server._logout(self.phone, self.vehicle_id)
        self.phone, self.vehicle_id = header.phone, vehicle_id
        self.server._login(header.phone, vehicle_id)
        self.counters.add("authentications")
        return self._general(header, GeneralResult.OK)

    def _handle_locations(self, header: Header, body: Location | BatchLocation) -> _Reply:
        fixes = list_locations(body)
        if self.vehicle_id is None or header.phone != self.phone:
            self.counters.add("reports_dropped_unauthenticated", len(fixes))
            _event(logging.INFO, "jt808_report_before_auth", peer=self.peer, phone=header.phone,
                   reports=len(fixes))
            return self._general(header, GeneralResult.FAILURE)
        received_at = self.server._clock()
        reports = []
        refused = 0
        for fix in fixes:
            report = to_vehicle_report(fix, self.vehicle_id, received_at)
            if report is None:
                self.counters.add("reports_without_time")
                continue
            refusal = check_report(report)
            if refusal is None:
                reports.append(report)
            else:
                refused += 1
                self._refuse_report(header, refusal)
        # Any fix refused: "message error" (after the others are stored), so the
        # terminal learns that sending it again will not help.
        result = GeneralResult.MESSAGE_ERROR if refused else GeneralResult.OK
        if not reports:
            return self._general(header, result)  # nothing to make durable
        task = asyncio.create_task(self._commit(reports, self._general(header, result), header))
        self.server._commits.add(task)
        task.add_done_callback(self.server._commits.discard)
        return task

    def _refuse_report(self, header: Header, refusal: Refusal) -> None:
        self.counters.add("reports_refused")
        _event(logging.INFO, "jt808_report_refused", phone=header.phone, flow=header.flow,
               reason=refusal.reason, field=refusal.field)

    async def _commit(self, reports: list[VehicleReport], ack: bytes,
                      header: Header) -> bytes | None:
        try:
            refused = await self.server._sink(reports)
        except Exception as exc:  # the database cannot take them now: no ack, the terminal resends
            self.counters.add("sink_failures")
            self.server._note_sink_failure(header, len(reports), exc)
            return None
        for refusal in refused.values():
            self._refuse_report(header, refusal)
        self.counters.add("reports_accepted", len(reports) - len(refused))
        # The ack was built in arrival order; a row the database refused (rare:
        # the checks above catch what we know of) turns it into "message error".
        return self._general(header, GeneralResult.MESSAGE_ERROR) if refused else ack

    def _general(self, header: Header, result: GeneralResult) -> bytes:
        return self._reply(header, PlatformGeneralResponse(header.flow, header.msg_id, result))

    def _reply(self, request: Header, body: PlatformGeneralResponse | RegistrationResponse) -> bytes:
        msg_id = (MsgId.PLATFORM_GENERAL_RESPONSE if isinstance(body, PlatformGeneralResponse)
                  else MsgId.REGISTRATION_RESPONSE)
        header = Header(msg_id=msg_id, phone=request.phone, flow=self.flow,
                        edition=request.edition, protocol_version=request.protocol_version)
        self.flow = (self.flow + 1) & 0xFFFF
        try:
            return encode_message(Message(header, body))
        except EncodeError as exc:
            # Text from the terminal that the reply cannot carry: answer, never drop.
            _event(logging.WARNING, "jt808_reply_not_encodable", phone=request.phone,
                   msg_id=f"0x{request.msg_id:04x}", field=exc.field)
            error = PlatformGeneralResponse(request.flow, request.msg_id, GeneralResult.MESSAGE_ERROR)
            return encode_message(Message(replace(header, msg_id=MsgId.PLATFORM_GENERAL_RESPONSE), error))


async def serve(
    host: str, port: int, sink: Sink, bindings: Bindings, clock: Clock, config: ServerConfig
) -> Jt808Server:
    """A started server; the caller closes it (``await server.close()``)."""
    server = Jt808Server(sink, bindings, clock, config)
    await server.start(host, port)
    return server

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
import pytest_asyncio

from feeds.jt808.bindings import OPEN_REGISTRATION, Bindings, issue_auth_code, load_bindings
from feeds.jt808.codec import encode, encode_message
from feeds.jt808.messages import (
    Authentication, BatchKind, BatchLocation, Edition, GeneralResult, Header, Heartbeat,
    Location, Message, MsgId, PlatformGeneralResponse, Registration, RegistrationResponse,
    RegistrationResult, Unsupported,
)
from feeds.jt808.server import Jt808Server, ServerConfig, serve
from feeds.jt808.terminal import TerminalClient
from transit.records import VehicleReport

NOW = 1_714_537_815.0  # 2024-05-01 12:30:15 Beijing
KEY = b"test-key"
BOUND = {"13800000001": "TC0001", "13800000002": "TC0002", "13800000003": "TC0001"}


class MemorySink:
    """Keeps what it is given; can be held shut per vehicle, or made to fail."""

    def __init__(self) -> None:
        self.reports: list[VehicleReport] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.calls: dict[str, int] = {}
        self.fail = False

    async def __call__(self, reports: Sequence[VehicleReport]) -> dict[int, object]:
        vehicle = reports[0].vehicle_id
        self.calls[vehicle] = self.calls.get(vehicle, 0) + 1
        gate = self.gates.get(vehicle)
        if gate is not None:
            await gate.wait()
        if self.fail:
            raise OSError("disk full")
        self.reports.extend(reports)
        return {}


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest_asyncio.fixture
async def start(sink: MemorySink) -> AsyncIterator[Callable[..., object]]:
    servers: list[Jt808Server] = []

    async def _start(bindings: Bindings = Bindings(BOUND), **overrides: object) -> Jt808Server:
        config = ServerConfig(auth_key=KEY, **overrides)  # type: ignore[arg-type]
        server = await serve("127.0.0.1", 0, sink, bindings, lambda: NOW + 1, config)
        servers.append(server)
        return server

    yield _start
    for server in servers:
        await server.close()


async def _connect(server: Jt808Server, phone: str, edition: Edition = Edition.V2013) -> TerminalClient:
    return await TerminalClient.connect("127.0.0.1", server.port, phone, edition)


async def _reply(client: TerminalClient, timeout: float = 2.0) -> Message:
    return await asyncio.wait_for(client.receive(), timeout)


async def _general(client: TerminalClient) -> PlatformGeneralResponse:
    message = await _reply(client)
    assert isinstance(message.body, PlatformGeneralResponse)
    return message.body


async def _register_and_login(client: TerminalClient, plate: str = "") -> str:
    await client.send(Registration(61, 200, "TCBUS", "M1", "T1", 1, plate))
    reply = (await _reply(client)).body
    assert isinstance(reply, RegistrationResponse) and reply.result == RegistrationResult.OK
    flow = await client.send(Authentication(reply.auth_code, "860000000000001", "V1"))
    ack = await _general(client)
    assert (ack.reply_flow, ack.reply_id, ack.result) == (flow, MsgId.AUTHENTICATION, GeneralResult.OK)
    return reply.auth_code


def _fix(lat: float = 34.9, lon: float = 108.9, at: float = NOW) -> Location:
    return Location.at(lat, lon, at, speed_mps=10.0, direction=90)


@pytest.mark.parametrize("edition", list(Edition))
async def test_register_authenticate_report(start, sink: MemorySink, edition: Edition) -> None:
    server = await start()
    client = await _connect(server, "13800000001", edition)
    code = await _register_and_login(client)
    assert code.startswith("TC0001|")
    flow = await client.send(_fix())
    ack = await _general(client)
    assert (ack.reply_flow, ack.reply_id, ack.result) == (flow, MsgId.LOCATION_REPORT, 0)
    assert sink.reports == [VehicleReport("TC0001", NOW, 34.9, 108.9, 10.0, 90.0, "jt808", NOW + 1)]
    await client.close()
    counters = server.counters()
    assert (counters.registrations, counters.authentications, counters.reports_accepted) == (1, 1, 1)


async def test_reregistration_gives_the_same_code_and_a_fresh_connection_can_authenticate(start) -> None:
    server = await start()
    first = await _connect(server, "13800000002")
    code = await _register_and_login(first)
    await first.close()
    again = await _connect(server, "13800000002")
    assert await _register_and_login(again) == code
    await again.close()
    later = await _connect(server, "13800000002")
    await later.send(Authentication(code))
    assert (await _general(later)).result == GeneralResult.OK
    await later.close()


async def test_wrong_code_fails_and_reports_stay_refused(start, sink: MemorySink) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await client.send(Authentication("TC0001|0000000000000000"))
    assert (await _general(client)).result == GeneralResult.FAILURE
    await client.send(_fix())
    assert (await _general(client)).result == GeneralResult.FAILURE
    await client.close()
    counters = server.counters()
    assert counters.auth_failures == 1 and counters.reports_dropped_unauthenticated == 1
    assert sink.reports == []


async def test_report_before_auth_is_refused_and_counted(start, sink: MemorySink) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await client.send(BatchLocation(BatchKind.NORMAL, (_fix(), _fix())))
    ack = await _general(client)
    assert (ack.reply_id, ack.result) == (MsgId.BATCH_LOCATION, GeneralResult.FAILURE)
    await client.close()
    assert server.counters().reports_dropped_unauthenticated == 2
    assert sink.reports == []


async def test_open_registration_binds_by_plate_and_refuses_a_terminal_without_one(
    start, sink: MemorySink
) -> None:
    server = await start(OPEN_REGISTRATION)
    plated = await _connect(server, "13999999999")
    await _register_and_login(plated, plate="陕B·D0077")
    await plated.send(_fix())
    await _general(plated)
    assert sink.reports[-1].vehicle_id == "陕B·D0077"
    unknown = await _connect(server, "13999999998")
    await unknown.send(Registration(61, 200, "TCBUS", "M1", "T1", 0, ""))
    reply = (await _reply(unknown)).body
    assert reply == RegistrationResponse(1, RegistrationResult.NO_SUCH_TERMINAL, "")
    await plated.close()
    await unknown.close()
    assert server.counters().unknown_terminals == 1


async def _register(client: TerminalClient, plate: str) -> Message:
    await client.send(Registration(61, 200, "TCBUS", "M1", "T1", 1, plate))
    return await _reply(client)


@pytest.mark.parametrize(("phone", "plate", "result"), [
    ("13999999999", "", RegistrationResult.NO_SUCH_TERMINAL),  # not in the table
    ("13999999999", "TC0003", RegistrationResult.NO_SUCH_TERMINAL),  # unbound, unknown plate
    ("13999999999", "TC0002", RegistrationResult.VEHICLE_TAKEN),  # another phone's vehicle
    ("13800000001", "TC0002", RegistrationResult.NO_SUCH_VEHICLE),  # bound, wrong plate
])
async def test_with_bindings_a_terminal_cannot_claim_a_vehicle_not_bound_to_it(
    start, sink: MemorySink, phone: str, plate: str, result: RegistrationResult
) -> None:
    server = await start()
    client = await _connect(server, phone)
    reply = (await _register(client, plate)).body
    assert isinstance(reply, RegistrationResponse) and (reply.result, reply.auth_code) == (result, "")
    # A code forged for the claimed vehicle is no better than none.
    await client.send(Authentication(issue_auth_code(b"guess", phone, plate or "TC0002")))
    assert (await _general(client)).result == GeneralResult.FAILURE
    await client.send(_fix())
    assert (await _general(client)).result == GeneralResult.FAILURE
    await client.close()
    assert sink.reports == []
    counters = server.counters()
    assert counters.registrations == 0
    assert counters.security_refusals + counters.unknown_terminals == 1


async def test_a_code_issued_under_open_registration_no_longer_counts_once_bound(start) -> None:
    # Issued with the server's key for the plate TC0002, before bindings were configured.
    server = await start()
    client = await _connect(server, "13999999999")
    await client.send(Authentication(issue_auth_code(KEY, "13999999999", "TC0002")))
    assert (await _general(client)).result == GeneralResult.FAILURE
    stale = await _connect(server, "13800000001")
    await stale.send(Authentication(issue_auth_code(KEY, "13800000001", "TC0002")))
    assert (await _general(stale)).result == GeneralResult.FAILURE
    assert server.counters().security_refusals == 2
    await client.close()
    await stale.close()


async def test_a_bound_terminal_may_send_its_plate_from_the_table(start, sink: MemorySink) -> None:
    server = await start(Bindings({"13800000001": "TC0001"}, {"TC0001": "陕B·00001"}))
    client = await _connect(server, "13800000001")
    assert (await _register_and_login(client, plate="陕B·00001")).startswith("TC0001|")
    await client.close()


@pytest.mark.parametrize("plate", ["P\x00OISON", "TC\x1b[2J", "T" * 65])
async def test_a_plate_that_is_no_valid_text_is_a_message_error(start, sink: MemorySink, plate: str) -> None:
    server = await start(OPEN_REGISTRATION)
    client = await _connect(server, "13999999999")
    flow = await client.send(Registration(61, 200, "TCBUS", "M1", "T1", 1, plate))
    ack = await _general(client)
    assert (ack.reply_flow, ack.reply_id, ack.result) == (flow, MsgId.REGISTRATION,
                                                          GeneralResult.MESSAGE_ERROR)
    await client.close()
    assert server.counters().registrations_refused == 1 and sink.reports == []


async def test_fixes_out_of_range_are_refused_and_the_valid_ones_of_a_batch_stored(
    start, sink: MemorySink
) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await _register_and_login(client)
    flow = await client.send(_fix(lat=95.0))
    ack = await _general(client)
    assert (ack.reply_flow, ack.result) == (flow, GeneralResult.MESSAGE_ERROR)
    await client.send(BatchLocation(BatchKind.BACKLOG, (_fix(at=NOW - 60), _fix(at=NOW + 3600))))
    assert (await _general(client)).result == GeneralResult.MESSAGE_ERROR
    assert [r.timestamp for r in sink.reports] == [NOW - 60]
    await client.send(_fix())
    assert (await _general(client)).result == GeneralResult.OK
    await client.close()
    counters = server.counters()
    assert (counters.reports_refused, counters.reports_accepted) == (2, 2)


async def test_location_is_acknowledged_only_after_the_sink_returns(start, sink: MemorySink) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await _register_and_login(client)
    sink.gates["TC0001"] = gate = asyncio.Event()
    first = await client.send(_fix(at=NOW))
    second = await client.send(_fix(at=NOW + 10))
    heartbeat = await client.send(Heartbeat())
    with pytest.raises(TimeoutError):
        await _reply(client, timeout=0.2)
    assert sink.calls["TC0001"] == 2  # both submitted: reading went on (pipelining)
    gate.set()
    acks = [await _general(client) for _ in range(3)]
    assert [a.reply_flow for a in acks] == [first, second, heartbeat]  # in order
    assert len(sink.reports) == 2
    await client.close()


async def test_batch_south_west_and_zero_fixes_all_reach_the_sink(start, sink: MemorySink) -> None:
    server = await start()
    client = await _connect(server, "13800000002", Edition.V2019)
    await _register_and_login(client)
    items = (_fix(-33.45, -70.66, NOW - 120), _fix(0.0, 0.0, NOW - 60), _fix(at=NOW))
    flow = await client.send(BatchLocation(BatchKind.BACKLOG, items))
    ack = await _general(client)
    assert (ack.reply_flow, ack.reply_id, ack.result) == (flow, MsgId.BATCH_LOCATION, 0)
    assert [(r.lat, r.lon, r.timestamp) for r in sink.reports] == [
        (-33.45, -70.66, NOW - 120), (0.0, 0.0, NOW - 60), (34.9, 108.9, NOW)
    ]
    await client.close()


async def test_sink_failure_gives_no_ack_and_the_resend_is_accepted(start, sink: MemorySink) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await _register_and_login(client)
    sink.fail = True
    flow = await client.send(_fix())
    with pytest.raises(TimeoutError):
        await _reply(client, timeout=0.3)
    sink.fail = False
    await client.send(_fix(), flow=flow)  # the terminal resends with the same flow
    ack = await _general(client)
    assert (ack.reply_flow, ack.result) == (flow, GeneralResult.OK)
    assert len(sink.reports) == 1
    assert server.counters().sink_failures == 1
    await client.close()


async def test_terminal_that_never_authenticates_is_disconnected(start) -> None:
    server = await start(auth_timeout=0.3)
    client = await _connect(server, "13800000001")
    await client.send(Heartbeat())  # heartbeats do not buy time
    assert (await _general(client)).result == GeneralResult.OK
    with pytest.raises(EOFError):
        await _reply(client, timeout=2.0)
    assert server.counters().auth_timeouts == 1


async def test_idle_connection_is_closed(start) -> None:
    server = await start(idle_timeout=0.3)
    client = await _connect(server, "13800000001")
    await _register_and_login(client)
    with pytest.raises(EOFError):
        await _reply(client, timeout=2.0)
    assert server.counters().idle_timeouts == 1


async def test_flood_is_throttled_without_delaying_another_terminal(start, sink: MemorySink) -> None:
    server = await start(max_in_flight=8)
    flooder = await _connect(server, "13800000001")
    calm = await _connect(server, "13800000002")
    await _register_and_login(flooder)
    await _register_and_login(calm)
    sink.gates["TC0001"] = gate = asyncio.Event()
    await flooder.send_raw(b"".join(
        encode(_fix(at=NOW - 500 + i), phone="13800000001", flow=100 + i) for i in range(500)
    ))
    await asyncio.sleep(0.3)
    assert sink.calls["TC0001"] == 8  # max_in_flight: then the server stops reading
    assert server.counters().throttled >= 1
    loop = asyncio.get_running_loop()
    started = loop.time()
    flow = await calm.send(_fix())
    assert (await _general(calm)).reply_flow == flow
    assert loop.time() - started < 0.5
    gate.set()
    flows = [(await _general(flooder)).reply_flow for _ in range(500)]
    assert flows == [100 + i for i in range(500)]
    assert sum(r.vehicle_id == "TC0001" for r in sink.reports) == 500
    await flooder.close()
    await calm.close()


async def test_two_terminals_bound_to_one_vehicle_are_both_accepted(start, sink: MemorySink) -> None:
    server = await start()
    a = await _connect(server, "13800000001")
    b = await _connect(server, "13800000003")
    await _register_and_login(a)
    await _register_and_login(b)
    for client in (a, b):
        await client.send(_fix())
        assert (await _general(client)).result == GeneralResult.OK
    assert [r.vehicle_id for r in sink.reports] == ["TC0001", "TC0001"]
    assert server.counters().shared_vehicle_logins == 1
    await a.close()
    await b.close()


async def test_bad_frames_are_dropped_and_the_connection_survives(start, sink: MemorySink) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await _register_and_login(client)
    await client.send_raw(b"\x7e\x01\x02\x7e" + b"\x7e\x00\x02\x7d\x09\x7e")
    flow = await client.send(_fix())
    assert (await _general(client)).reply_flow == flow
    counters = server.counters()
    assert counters.bad_frames == 2
    assert (counters.truncated, counters.bad_escape) == (1, 1)
    await client.close()


async def test_continuous_garbage_closes_the_connection(start) -> None:
    server = await start(max_bad_frames=3)
    client = await _connect(server, "13800000001")
    await client.send_raw(b"\x7egarbage" * 10 + b"\x7e")
    with pytest.raises((EOFError, ConnectionError)):
        await _reply(client, timeout=2.0)
    assert server.counters().garbage_disconnects == 1


async def test_unknown_message_is_answered_not_supported(start) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await client.send_raw(encode_message(Message(Header(0x0900, "13800000001", 77), Unsupported(b"x", ""))))
    ack = await _general(client)
    assert (ack.reply_flow, ack.reply_id, ack.result) == (77, 0x0900, GeneralResult.NOT_SUPPORTED)
    await client.close()
    assert server.counters().unsupported_messages == 1


def test_bindings_load_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "bindings.csv"
    path.write_text("phone,vehicle_id\n013800000001,TC0001\n13800000003,TC0001\n", encoding="utf-8")
    bindings = load_bindings(path)
    assert bindings.find_vehicle("13800000001") == "TC0001"
    assert bindings.list_shared_vehicles() == {"TC0001": ("13800000001", "13800000003")}


async def test_an_outage_is_logged_once_a_second_not_once_a_message(
    start, sink: MemorySink, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start()
    client = await _connect(server, "13800000001")
    await _register_and_login(client)
    sink.fail = True
    with caplog.at_level("WARNING", logger="feeds.jt808.server"):
        await client.send_raw(b"".join(
            encode(_fix(at=NOW - 50 + i), phone="13800000001", flow=200 + i) for i in range(50)))
        while server.counters().sink_failures < 50:
            await asyncio.sleep(0.01)
    await client.close()
    lines = [r for r in caplog.records if r.getMessage().startswith("jt808_sink_failed")]
    assert 1 <= len(lines) <= 2  # the first at once, then at most one a second

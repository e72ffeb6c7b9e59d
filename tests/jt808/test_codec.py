import struct
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.jt808.codec import (
    EncodeError, decode_frame, encode, encode_header, encode_location, encode_message,
)
from feeds.jt808.framing import FrameError, FrameErrorReason, escape, wrap
from feeds.jt808.messages import (
    GMT8, AdditionalItem, Authentication, BatchKind, BatchLocation, Body, Edition, Header,
    Heartbeat, Location, Logout, Message, MsgId, PlatformGeneralResponse, Registration,
    RegistrationResponse, Subpackage, TerminalGeneralResponse, Unsupported,
)
from feeds.jt808.reports import to_location, to_vehicle_report
from transit.records import VehicleReport

PHONE = "13800138000"
NOON = datetime(2024, 5, 1, 12, 30, 15, tzinfo=GMT8).timestamp()
TONGCHUAN = Location.at(34.896, 108.945, NOON, speed_mps=12.5, direction=271, altitude_m=720)

BODIES: list[Body] = [
    Heartbeat(),
    Logout(),
    TerminalGeneralResponse(reply_flow=9, reply_id=0x8103, result=0),
    PlatformGeneralResponse(reply_flow=65535, reply_id=0x0200, result=3),
    RegistrationResponse(reply_flow=1, result=0, auth_code="TC0001|0123abcd"),
    RegistrationResponse(reply_flow=1, result=4),
    Registration(61, 200, "TCBUS", "M-808", "T000042", 2, "陕B·D0001"),
    Authentication("TC0001|0123abcd"),
    TONGCHUAN,
    Location.at(-33.9, -70.6, NOON, extras=(AdditionalItem(0x01, b"\x00\x00\x10\x00"),
                                             AdditionalItem(0x30, b"\x1f"))),
    BatchLocation(BatchKind.BACKLOG, (TONGCHUAN, Location.at(0.0, 0.0, NOON - 60))),
]


@pytest.mark.parametrize("edition", list(Edition))
@pytest.mark.parametrize("body", BODIES, ids=lambda b: type(b).__name__)
def test_every_message_round_trips(body: Body, edition: Edition) -> None:
    if edition is Edition.V2019 and isinstance(body, Authentication):
        body = Authentication(body.code, imei="860000000000001", software_version="V2.1.0")
    if edition is Edition.V2019 and isinstance(body, Registration):
        body = Registration(61, 200, "TC-BUS-2019", "M-808-2019-LONG-MODEL-NAME",
                            "TERMINAL-ID-WITH-30-CHARS-0001", 2, "陕B·D0001")
    frame = encode(body, phone=PHONE, flow=42, edition=edition)
    message = decode_frame(frame)
    assert message.body == body
    assert message.header.phone == PHONE
    assert message.header.flow == 42
    assert message.header.edition is edition
    assert encode_message(message) == frame


def test_2013_and_2019_headers_differ_as_the_standards_say() -> None:
    v2013 = encode(Heartbeat(), phone=PHONE, flow=1)
    v2019 = encode(Heartbeat(), phone=PHONE, flow=1, edition=Edition.V2019)
    assert len(v2013) == 1 + 12 + 1 + 1  # flag, header, check code, flag
    assert len(v2019) == 1 + 17 + 1 + 1
    assert v2013[3:5] == b"\x00\x00"  # body attributes: no version flag
    assert v2019[3:5] == b"\x40\x00"  # bit 14: the 2019 edition
    assert v2019[5] == 1  # protocol version
    assert v2019[6:16] == bytes.fromhex("00000000013800138000")


def test_registration_field_widths_per_edition() -> None:
    reg = Registration(61, 200, "M", "X", "T", 1, "A")
    body_2013 = decode_frame(encode(reg, phone=PHONE, flow=1))
    assert body_2013.body == reg
    assert len(encode(reg, phone=PHONE, flow=1)) - 15 == 4 + 5 + 20 + 7 + 1 + 1
    assert len(encode(reg, phone=PHONE, flow=1, edition=Edition.V2019)) - 20 == 4 + 11 + 30 + 30 + 1 + 1
    with pytest.raises(EncodeError):
        encode(Registration(61, 200, "TOO-LONG", "X", "T", 1, "A"), phone=PHONE, flow=1)


def test_plate_is_gbk_on_the_wire() -> None:
    frame = encode(Registration(61, 200, "M", "X", "T", 1, "陕B"), phone=PHONE, flow=1)
    assert "陕B".encode("gbk") in frame


def test_location_fields_to_a_vehicle_report() -> None:
    report = to_vehicle_report(TONGCHUAN, "TC0001", received_at=NOON + 2)
    assert report is not None
    assert report.timestamp == NOON  # 12:30:15 Beijing is 04:30:15 UTC
    assert report.timestamp == datetime.fromisoformat("2024-05-01T04:30:15+00:00").timestamp()
    assert (report.lat, report.lon) == (34.896, 108.945)
    assert report.speed_mps == pytest.approx(12.5, abs=0.03)  # 0.1 km/h resolution
    assert report.bearing == 271
    assert report.source == "jt808"
    assert report.received_at == NOON + 2


def test_a_report_sent_as_a_fix_reads_back_to_the_wire_precision() -> None:
    sent = VehicleReport("TC0001", NOON + 0.7, 34.9012341, 108.9456789, 8.33, 271.6, "sim", NOON + 1.2)
    back = to_vehicle_report(decode_frame(encode(to_location(sent), phone="13900000001", flow=1)).body,
                             "TC0001", sent.received_at)
    assert back is not None
    assert (back.timestamp, back.lat, back.lon, back.bearing) == (NOON, 34.901234, 108.945679, 272.0)
    assert back.speed_mps == pytest.approx(8.33, abs=0.03)


def test_south_latitude_and_west_longitude_come_from_status_bits() -> None:
    loc = decode_frame(encode(Location.at(-12.5, -77.04, NOON), phone=PHONE, flow=1)).body
    assert isinstance(loc, Location)
    assert loc.status & 0b1100 == 0b1100
    assert (loc.lat_e6, loc.lon_e6) == (12_500_000, 77_040_000)
    assert (loc.latitude, loc.longitude) == (-12.5, -77.04)


def test_gps_at_zero_zero_decodes_and_passes_through() -> None:
    zero = Location(0, 0, 0, 0, 0, 0, 0, "240501123015")
    loc = decode_frame(encode(zero, phone=PHONE, flow=1)).body
    report = to_vehicle_report(loc, "TC0001", received_at=NOON)
    assert report is not None and (report.lat, report.lon) == (0.0, 0.0)


def test_a_fix_time_that_is_no_instant_gives_no_report() -> None:
    loc = Location(0, 2, 1, 1, 0, 0, 0, "000000000000")  # sent before the first fix
    decoded = decode_frame(encode(loc, phone=PHONE, flow=1)).body
    assert isinstance(decoded, Location) and decoded.fix_time is None
    assert to_vehicle_report(decoded, "TC0001", received_at=NOON) is None


def _location_frame(extra: bytes) -> bytes:
    payload = encode_location(TONGCHUAN) + extra
    return wrap(encode_header(Header(MsgId.LOCATION_REPORT, PHONE, 1), len(payload)) + payload)


def test_additional_items_are_skipped_even_when_the_last_is_truncated() -> None:
    mileage = bytes((0x01, 4, 0, 0, 0x10, 0))
    loc = decode_frame(_location_frame(mileage + bytes((0x25, 10, 1, 2)))).body
    assert isinstance(loc, Location)
    assert loc.extras == (AdditionalItem(0x01, b"\x00\x00\x10\x00"),)
    assert loc.extras_tail == bytes((0x25, 10, 1, 2))
    assert (loc.latitude, loc.longitude) == (34.896, 108.945)
    lone_byte = decode_frame(_location_frame(b"\x30")).body
    assert isinstance(lone_byte, Location) and lone_byte.extras_tail == b"\x30"


# ------------------------------------------------------------ malformed frames


def _reason(frame: bytes) -> FrameErrorReason:
    with pytest.raises(FrameError) as caught:
        decode_frame(frame)
    return caught.value.reason


def test_bad_escape_is_refused() -> None:
    frame = encode(Heartbeat(), phone=PHONE, flow=1)
    assert _reason(frame[:5] + b"\x7d\x05" + frame[5:]) is FrameErrorReason.BAD_ESCAPE


def test_bad_check_code_is_refused() -> None:
    content = encode_header(Header(MsgId.HEARTBEAT, PHONE, 1), 0)
    frame = b"\x7e" + escape(content + bytes((0x55,))) + b"\x7e"
    error = pytest.raises(FrameError, decode_frame, frame).value
    assert error.reason is FrameErrorReason.BAD_CHECK_CODE
    assert error.offset == len(content)


def test_frame_shorter_than_a_header_is_truncated() -> None:
    assert _reason(wrap(b"\x00\x02\x00\x00\x01")) is FrameErrorReason.TRUNCATED
    # a 2019 header cut short (its flag says 17 bytes, 12 are there)
    assert _reason(wrap(b"\x00\x02\x40\x00" + b"\x01" * 8)) is FrameErrorReason.TRUNCATED


def test_truncated_body_is_refused_with_its_message_id() -> None:
    header = Header(MsgId.LOCATION_REPORT, PHONE, 1)
    short = bytes(20)  # the length field agrees, but a location needs 28 bytes
    error = pytest.raises(FrameError, decode_frame, wrap(encode_header(header, 20) + short)).value
    assert error.reason is FrameErrorReason.TRUNCATED
    assert error.msg_id == MsgId.LOCATION_REPORT


def test_length_field_that_lies_is_refused() -> None:
    header = Header(MsgId.LOCATION_REPORT, PHONE, 1)
    body = bytes(28)
    for claimed in (27, 29, 100):
        frame = wrap(encode_header(header, claimed) + body)
        assert _reason(frame) is FrameErrorReason.LENGTH_MISMATCH


def test_batch_whose_items_overrun_the_body_is_truncated() -> None:
    item = bytes(28)
    body = struct.pack(">HB", 2, 0) + struct.pack(">H", 28) + item + struct.pack(">H", 28) + item[:10]
    frame = wrap(encode_header(Header(MsgId.BATCH_LOCATION, PHONE, 1), len(body)) + body)
    assert _reason(frame) is FrameErrorReason.TRUNCATED


def test_phone_number_that_is_not_bcd_is_a_bad_field() -> None:
    content = b"\x00\x02\x00\x00" + bytes.fromhex("0138001380ff") + b"\x00\x01"
    assert _reason(wrap(content)) is FrameErrorReason.BAD_FIELD


def test_unknown_message_id_is_a_message_not_an_error() -> None:
    header = Header(0x0900, PHONE, 5)  # data uplink pass-through: we do not handle it
    message = decode_frame(encode_message(Message(header, Unsupported(b"\x01abc", ""))))
    assert isinstance(message.body, Unsupported)
    assert message.body.raw == b"\x01abc"
    assert message.header.msg_id == 0x0900


def test_encrypted_and_subpackaged_bodies_are_unsupported() -> None:
    encrypted = Header(MsgId.LOCATION_REPORT, PHONE, 1, encryption=1)
    split = Header(MsgId.LOCATION_REPORT, PHONE, 1, subpackage=Subpackage(2, 1))
    for header in (encrypted, split):
        message = decode_frame(encode_message(Message(header, Unsupported(bytes(28), ""))))
        assert isinstance(message.body, Unsupported)
        assert message.header == header


@given(st.binary(max_size=200))
def test_decode_frame_on_random_bytes_raises_only_frame_error(data: bytes) -> None:
    try:
        decode_frame(data)
    except FrameError:
        pass


@given(st.binary(max_size=120), st.sampled_from(list(MsgId)) | st.integers(0, 0xFFFF), st.booleans())
def test_random_bodies_behind_valid_headers_raise_only_frame_error(
    body: bytes, msg_id: int, v2019: bool
) -> None:
    edition = Edition.V2019 if v2019 else Edition.V2013
    frame = wrap(encode_header(Header(msg_id, PHONE, 1, edition), len(body)) + body)
    try:
        decode_frame(frame)
    except FrameError:
        pass

"""Fuzzing the JT/T 808 decoder: any bytes give messages or ``FrameError``, and a
decoded message re-encodes to itself (or ``EncodeError``)."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.jt808.codec import EncodeError, decode_frame, encode_header, encode_message
from feeds.jt808.framing import unescape, wrap
from feeds.jt808.messages import (
    AdditionalItem, Authentication, BatchLocation, Edition, Header, Heartbeat, Location,
    Logout, Message, MsgId, PlatformGeneralResponse, Registration, RegistrationResponse,
    Subpackage, TerminalGeneralResponse, Unsupported,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
# Mostly text GBK can carry (with NULs, which fixed-width fields pad with); any
# text too, which the encoder must refuse with EncodeError.
texts = st.one_of(st.text("陕B·D铜川公交|\x00 -09AZaz", max_size=40), st.text(max_size=40))
# Fixed-width fields are padded with NULs: trailing NULs are padding, not text.
fixed_texts = texts.map(lambda text: text.rstrip("\x00"))
bcd_times = st.binary(min_size=6, max_size=6).map(bytes.hex)
locations = st.builds(
    Location, u32, u32, u32, u32, u16, u16, u16, bcd_times,
    st.lists(st.builds(AdditionalItem, u8, st.binary(max_size=8)), max_size=3).map(tuple),
    st.just(b""),
)
bodies = st.one_of(
    st.builds(TerminalGeneralResponse, u16, u16, u8),
    st.builds(PlatformGeneralResponse, u16, u16, u8),
    st.just(Heartbeat()),
    st.just(Logout()),
    st.builds(Registration, u16, u16, fixed_texts, fixed_texts, fixed_texts, u8, texts),
    st.builds(Authentication, texts, fixed_texts, fixed_texts),
    st.builds(RegistrationResponse, u16, u8, texts),
    locations,
    st.builds(BatchLocation, u8, st.lists(locations, max_size=3).map(tuple)),
)
headers = st.builds(
    Header,
    msg_id=u16,
    phone=st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True),
    flow=u16,
    edition=st.sampled_from(Edition),
    protocol_version=u8,
)


def _known_id(body: object) -> int:
    ids = {TerminalGeneralResponse: MsgId.TERMINAL_GENERAL_RESPONSE, Heartbeat: MsgId.HEARTBEAT,
           Logout: MsgId.LOGOUT, Registration: MsgId.REGISTRATION,
           Authentication: MsgId.AUTHENTICATION, Location: MsgId.LOCATION_REPORT,
           BatchLocation: MsgId.BATCH_LOCATION,
           PlatformGeneralResponse: MsgId.PLATFORM_GENERAL_RESPONSE,
           RegistrationResponse: MsgId.REGISTRATION_RESPONSE}
    return ids[type(body)]


@st.composite
def messages(draw: st.DrawFn) -> Message:
    header, body = draw(headers), draw(bodies)
    # The 2013 authentication has no IMEI or software version fields.
    if header.edition is Edition.V2013 and isinstance(body, Authentication):
        body = Authentication(body.code)
    return Message(Header(_known_id(body), header.phone, header.flow, header.edition,
                          header.protocol_version if header.edition is Edition.V2019 else 1), body)


@st.composite
def mutated_contents(draw: st.DrawFn) -> bytes:
    """The unescaped header+body of a valid message, with a few bytes changed."""
    try:
        frame = encode_message(draw(messages()))
    except EncodeError:
        frame = encode_message(Message(Header(MsgId.HEARTBEAT, "1", 1), Heartbeat()))
    content = bytearray(unescape(frame[1:-1])[:-1])
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(content)))
        match draw(st.sampled_from(("set", "insert", "delete", "truncate"))):
            case "set" if at < len(content):
                content[at] = draw(u8)
            case "insert":
                content[at:at] = draw(st.binary(min_size=1, max_size=8))
            case "delete":
                del content[at:at + draw(st.integers(1, 8))]
            case "truncate":
                del content[at:]
    return bytes(content)


@settings(max_examples=300)
@given(st.binary(max_size=600), st.integers(0, 0x7F))
def test_any_stream_gives_messages_or_frame_errors(
    fuzz_targets: ModuleType, stream: bytes, chunking: int
) -> None:
    fuzz_targets.jt808(bytes([chunking << 1]) + stream)


@settings(max_examples=300)
@given(mutated_contents())
def test_mutated_frames_with_a_good_check_code_decode_or_fail_typed(
    fuzz_targets: ModuleType, content: bytes
) -> None:
    fuzz_targets.jt808(b"\x01" + content)


@settings(max_examples=300)
@given(messages())
def test_messages_round_trip_or_refuse_to_encode(fuzz_targets: ModuleType, message: Message) -> None:
    fuzz_targets.check_round_trip(message)


@given(headers, st.binary(max_size=64), st.integers(0, 7), st.booleans())
def test_unsupported_bodies_round_trip(
    fuzz_targets: ModuleType, header: Header, raw: bytes, encryption: int, split: bool
) -> None:
    header = Header(0x0F00, header.phone, header.flow, header.edition,
                    header.protocol_version if header.edition is Edition.V2019 else 1,
                    encryption, Subpackage(2, 1) if split else None)
    if encryption or split:
        fuzz_targets.check_round_trip(decode_frame(encode_message(Message(header, Unsupported(raw, "")))))


# ------------------------------------------------ crashes found by fuzzing


def test_auth_code_with_a_stray_byte_refuses_to_encode_instead_of_crashing() -> None:
    """Found by scripts/fuzz.py --target jt808 (corpus: crash-auth-code-not-gbk): a
    stray byte in GBK text decodes to U+FFFD, which GBK cannot encode; the encoder
    raised UnicodeEncodeError instead of its own EncodeError."""
    body = b"\x00\x01\x00" + b"TC0\xc9" + b"01|0123456789abcdef"
    header = encode_header(Header(MsgId.REGISTRATION_RESPONSE, "13800000001", 3), len(body))
    message = decode_frame(wrap(header + body))
    assert isinstance(message.body, RegistrationResponse)
    assert "\ufffd" in message.body.auth_code
    with pytest.raises(EncodeError) as caught:
        encode_message(message)
    assert caught.value.field == "auth code"


@pytest.mark.parametrize("edition", list(Edition))
def test_plate_with_a_stray_byte_refuses_to_encode(edition: Edition) -> None:
    plate = Registration(61, 200, "M", "X", "T", 1, "P\ufffdX")
    with pytest.raises(EncodeError) as caught:
        encode_message(Message(Header(MsgId.REGISTRATION, "1", 1, edition), plate))
    assert caught.value.field == "plate"

"""JT/T 808 (2013 and 2019) message codec: frames <-> ``Message``. Pure, no I/O.

``decode_frame`` raises only ``FrameError``; a well-formed message it does not know
decodes to an ``Unsupported`` body (the platform answers "not supported"), so the
caller can tell a broken frame from a foreign one.
"""

from __future__ import annotations

import struct

from feeds.jt808.framing import (
    FLAG, FrameError, FrameErrorReason, check_code, unescape, wrap,
)
from feeds.jt808.messages import (
    AdditionalItem, Authentication, BatchLocation, Body, Edition, Header, Heartbeat,
    Location, Logout, Message, MsgId, PlatformGeneralResponse, Registration,
    RegistrationResponse, Subpackage, TerminalGeneralResponse, Unsupported,
)

MAX_BODY = 0x3FF  # the body length field has 10 bits
_VERSION_FLAG = 1 << 14
_SUBPACKAGE_FLAG = 1 << 13
_PHONE_BYTES = {Edition.V2013: 6, Edition.V2019: 10}
# maker id, terminal model, terminal id: fixed widths of the registration body
_REGISTRATION_WIDTHS = {Edition.V2013: (5, 20, 7), Edition.V2019: (11, 30, 30)}
_IMEI_BYTES = 15
_SOFTWARE_VERSION_BYTES = 20
_LOCATION = struct.Struct(">IIIIHHH6s")  # 28 bytes before the additional items
_U16 = struct.Struct(">H")


class EncodeError(ValueError):
    """A value that the wire format cannot carry (too long, not digits, out of range)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


# ---------------------------------------------------------------- decoding


class _Reader:
    """Reads fields off a body; running short is a TRUNCATED ``FrameError``."""

    def __init__(self, data: bytes, base: int, msg_id: int) -> None:
        self.data = data
        self.pos = 0
        self.base = base  # offset of ``data`` in the unescaped frame, for errors
        self.msg_id = msg_id

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise FrameError(
                FrameErrorReason.TRUNCATED,
                f"{what}: needs {n} bytes, {len(self.data) - self.pos} left",
                offset=self.base + self.pos, msg_id=self.msg_id,
            )
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "big")

    def rest(self) -> bytes:
        chunk = self.data[self.pos:]
        self.pos = len(self.data)
        return chunk

    def text(self, n: int, what: str) -> str:
        return _text(self.take(n, what).rstrip(b"\x00"))


def _text(raw: bytes) -> str:
    # Terminals send GBK; a stray byte must not make a whole fix undecodable.
    return raw.decode("gbk", errors="replace")


def _bcd_digits(raw: bytes, what: str, offset: int, msg_id: int) -> str:
    digits = raw.hex()
    if not digits.isdigit():
        raise FrameError(
            FrameErrorReason.BAD_FIELD, f"{what} is not BCD: {digits}", offset=offset, msg_id=msg_id
        )
    return digits


def decode_frame(frame: bytes) -> Message:
    """One frame (between flags, or with them) -> ``Message``; raises ``FrameError``."""
    if len(frame) >= 2 and frame[0] == FLAG and frame[-1] == FLAG:
        frame = frame[1:-1]
    data = unescape(frame)
    if len(data) < 13:  # the shortest header (2013, 12 bytes) and the check code
        raise FrameError(FrameErrorReason.TRUNCATED, f"{len(data)} bytes, shorter than a header")
    content = data[:-1]
    expected = check_code(content)
    if data[-1] != expected:
        raise FrameError(
            FrameErrorReason.BAD_CHECK_CODE,
            f"check code 0x{data[-1]:02x}, computed 0x{expected:02x}",
            offset=len(data) - 1,
        )
    header, body_len, body_at = _decode_header(content)
    body = content[body_at:]
    if len(body) != body_len:
        raise FrameError(
            FrameErrorReason.LENGTH_MISMATCH,
            f"length field says {body_len} body bytes, frame holds {len(body)}",
            offset=2, msg_id=header.msg_id,
        )
    return Message(header, _decode_body(header, body, body_at))


def _decode_header(content: bytes) -> tuple[Header, int, int]:
    """Header, declared body length, offset of the body."""
    msg_id, attributes = struct.unpack_from(">HH", content)
    edition = Edition.V2019 if attributes & _VERSION_FLAG else Edition.V2013
    size = 4 + (1 if edition is Edition.V2019 else 0) + _PHONE_BYTES[edition] + 2
    if attributes & _SUBPACKAGE_FLAG:
        size += 4
    if len(content) < size:
        raise FrameError(
            FrameErrorReason.TRUNCATED,
            f"{edition.value} header needs {size} bytes, frame holds {len(content)}",
            msg_id=msg_id,
        )
    pos = 4
    protocol_version = 1
    if edition is Edition.V2019:
        protocol_version = content[pos]
        pos += 1
    phone_raw = content[pos:pos + _PHONE_BYTES[edition]]
    phone = _bcd_digits(phone_raw, "terminal phone number", pos, msg_id).lstrip("0") or "0"
    pos += _PHONE_BYTES[edition]
    (flow,) = _U16.unpack_from(content, pos)
    pos += 2
    subpackage = None
    if attributes & _SUBPACKAGE_FLAG:
        total, index = struct.unpack_from(">HH", content, pos)
        subpackage = Subpackage(total, index)
        pos += 4
    header = Header(
        msg_id=msg_id,
        phone=phone,
        flow=flow,
        edition=edition,
        protocol_version=protocol_version,
        encryption=(attributes >> 10) & 0b111,
        subpackage=subpackage,
    )
    return header, attributes & MAX_BODY, pos


def _decode_body(header: Header, body: bytes, body_at: int) -> Body:
    if header.encryption:
        return Unsupported(body, f"encrypted body (scheme bits {header.encryption:03b})")
    if header.subpackage is not None:
        # Long messages (multimedia) are split; locations never need to be.
        return Unsupported(body, "subpackaged body")
    decoder = _BODY_DECODERS.get(header.msg_id)
    if decoder is None:
        return Unsupported(body, f"unknown message id 0x{header.msg_id:04x}")
    return decoder(_Reader(body, body_at, header.msg_id), header.edition)


def _decode_general(r: _Reader) -> tuple[int, int, int]:
    return r.u16("reply flow"), r.u16("reply id"), r.u8("result")


def _decode_terminal_response(r: _Reader, _: Edition) -> Body:
    return TerminalGeneralResponse(*_decode_general(r))


def _decode_platform_response(r: _Reader, _: Edition) -> Body:
    return PlatformGeneralResponse(*_decode_general(r))


def _decode_heartbeat(r: _Reader, _: Edition) -> Body:
    return Heartbeat()


def _decode_logout(r: _Reader, _: Edition) -> Body:
    return Logout()


def _decode_registration(r: _Reader, edition: Edition) -> Body:
    maker_w, model_w, terminal_w = _REGISTRATION_WIDTHS[edition]
    return Registration(
        province=r.u16("province"),
        city=r.u16("city"),
        maker_id=r.text(maker_w, "maker id"),
        model=r.text(model_w, "terminal model"),
        terminal_id=r.text(terminal_w, "terminal id"),
        plate_colour=r.u8("plate colour"),
        plate=_text(r.rest()),
    )


def _decode_authentication(r: _Reader, edition: Edition) -> Body:
    if edition is Edition.V2013:
        return Authentication(_text(r.rest()))
    code = _text(r.take(r.u8("auth code length"), "auth code"))
    return Authentication(
        code,
        imei=r.text(_IMEI_BYTES, "IMEI"),
        software_version=r.text(_SOFTWARE_VERSION_BYTES, "software version"),
    )


def _decode_registration_response(r: _Reader, _: Edition) -> Body:
    return RegistrationResponse(r.u16("reply flow"), r.u8("result"), _text(r.rest()))


def _decode_location(r: _Reader, _: Edition) -> Location:
    raw = r.take(_LOCATION.size, "location")
    alarm, status, lat, lon, altitude, speed, direction, time_raw = _LOCATION.unpack(raw)
    extras: list[AdditionalItem] = []
    tail = b""
    # Additional items are optional and many are vendor-defined: skip what we do not
    # use, and stop (keeping the fix) at an item that claims more bytes than remain.
    while r.pos < len(r.data):
        left = len(r.data) - r.pos
        if left < 2 or r.data[r.pos + 1] > left - 2:
            tail = r.rest()
            break
        item_id = r.u8("item id")
        extras.append(AdditionalItem(item_id, r.take(r.u8("item length"), "item value")))
    return Location(
        alarm=alarm, status=status, lat_e6=lat, lon_e6=lon, altitude_m=altitude,
        speed_dkmh=speed, direction=direction, time_bcd=time_raw.hex(),
        extras=tuple(extras), extras_tail=tail,
    )


def _decode_batch(r: _Reader, edition: Edition) -> Body:
    count = r.u16("item count")
    kind = r.u8("batch type")
    items = []
    for n in range(count):
        length = r.u16(f"item {n} length")
        at = r.base + r.pos
        items.append(_decode_location(_Reader(r.take(length, f"item {n}"), at, r.msg_id), edition))
    if r.pos != len(r.data):
        raise FrameError(
            FrameErrorReason.LENGTH_MISMATCH,
            f"{len(r.data) - r.pos} bytes after the {count} items the count field announced",
            offset=r.base + r.pos, msg_id=r.msg_id,
        )
    return BatchLocation(kind, tuple(items))


_BODY_DECODERS = {
    MsgId.TERMINAL_GENERAL_RESPONSE: _decode_terminal_response,
    MsgId.HEARTBEAT: _decode_heartbeat,
    MsgId.LOGOUT: _decode_logout,
    MsgId.REGISTRATION: _decode_registration,
    MsgId.AUTHENTICATION: _decode_authentication,
    MsgId.LOCATION_REPORT: _decode_location,
    MsgId.BATCH_LOCATION: _decode_batch,
    MsgId.PLATFORM_GENERAL_RESPONSE: _decode_platform_response,
    MsgId.REGISTRATION_RESPONSE: _decode_registration_response,
}


# ---------------------------------------------------------------- encoding


def encode(body: Body, *, phone: str, flow: int, edition: Edition = Edition.V2013) -> bytes:
    """A wire frame (flags included) for ``body``; the message id follows its type."""
    if isinstance(body, Unsupported):
        raise EncodeError("body", "an Unsupported body needs encode_message with its header")
    header = Header(msg_id=_MSG_IDS[type(body)], phone=phone, flow=flow, edition=edition)
    return encode_message(Message(header, body))


def encode_message(message: Message) -> bytes:
    """A wire frame (flags included) for ``message``."""
    body = encode_body(message.body, message.header.edition)
    return wrap(encode_header(message.header, len(body)) + body)


def encode_header(header: Header, body_len: int) -> bytes:
    """Header bytes announcing ``body_len`` (which the caller may make lie, in tests)."""
    if not 0 <= body_len <= MAX_BODY:
        raise EncodeError("body", f"{body_len} bytes, the length field holds at most {MAX_BODY}")
    if not 0 <= header.encryption <= 0b111:
        raise EncodeError("encryption", f"{header.encryption} does not fit 3 bits")
    attributes = body_len | header.encryption << 10
    if header.subpackage is not None:
        attributes |= _SUBPACKAGE_FLAG
    out = bytearray(struct.pack(">HH", header.msg_id, attributes))
    if header.edition is Edition.V2019:
        out[2] |= _VERSION_FLAG >> 8
        out.append(header.protocol_version)
    out += _bcd_phone(header.phone, _PHONE_BYTES[header.edition])
    out += _U16.pack(header.flow)
    if header.subpackage is not None:
        out += struct.pack(">HH", header.subpackage.total, header.subpackage.index)
    return bytes(out)


def _bcd_phone(phone: str, width: int) -> bytes:
    if not phone.isdigit() or len(phone) > 2 * width:
        raise EncodeError("phone", f"{phone!r} is not at most {2 * width} digits")
    return bytes.fromhex(phone.rjust(2 * width, "0"))


def _gbk(text: str, field: str) -> bytes:
    # Decoding replaces a stray byte with U+FFFD, which GBK cannot carry back out.
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise EncodeError(field, f"{text[exc.start:exc.end]!r} has no GBK code") from None


def _fixed(text: str, width: int, field: str) -> bytes:
    raw = _gbk(text, field)
    if len(raw) > width:
        raise EncodeError(field, f"{len(raw)} bytes, the field has {width}")
    return raw.ljust(width, b"\x00")


def encode_location(loc: Location) -> bytes:
    if len(loc.time_bcd) != 12:
        raise EncodeError("time", f"{loc.time_bcd!r} is not 12 BCD digits")
    out = bytearray(_LOCATION.pack(
        loc.alarm, loc.status, loc.lat_e6, loc.lon_e6, loc.altitude_m, loc.speed_dkmh,
        loc.direction, bytes.fromhex(loc.time_bcd),
    ))
    for item in loc.extras:
        if len(item.value) > 0xFF:
            raise EncodeError("additional item", f"0x{item.item_id:02x} value over 255 bytes")
        out += bytes((item.item_id, len(item.value))) + item.value
    return bytes(out + loc.extras_tail)


def encode_body(body: Body, edition: Edition) -> bytes:
    """Body bytes of ``body`` in ``edition``."""
    match body:
        case TerminalGeneralResponse() | PlatformGeneralResponse():
            return struct.pack(">HHB", body.reply_flow, body.reply_id, body.result)
        case Heartbeat() | Logout():
            return b""
        case Registration():
            maker_w, model_w, terminal_w = _REGISTRATION_WIDTHS[edition]
            return (
                struct.pack(">HH", body.province, body.city)
                + _fixed(body.maker_id, maker_w, "maker id")
                + _fixed(body.model, model_w, "terminal model")
                + _fixed(body.terminal_id, terminal_w, "terminal id")
                + bytes((body.plate_colour,))
                + _gbk(body.plate, "plate")
            )
        case Authentication():
            code = _gbk(body.code, "auth code")
            if edition is Edition.V2013:
                return code
            if len(code) > 0xFF:
                raise EncodeError("auth code", "over 255 bytes")
            return (
                bytes((len(code),)) + code
                + _fixed(body.imei, _IMEI_BYTES, "IMEI")
                + _fixed(body.software_version, _SOFTWARE_VERSION_BYTES, "software version")
            )
        case RegistrationResponse():
            return struct.pack(">HB", body.reply_flow, body.result) + _gbk(body.auth_code, "auth code")
        case Location():
            return encode_location(body)
        case BatchLocation():
            out = bytearray(struct.pack(">HB", len(body.items), body.kind))
            for item in body.items:
                raw = encode_location(item)
                out += _U16.pack(len(raw)) + raw
            return bytes(out)
        case Unsupported():
            return body.raw
    raise EncodeError("body", f"unknown body type {type(body).__name__}")


_MSG_IDS: dict[type, int] = {
    TerminalGeneralResponse: MsgId.TERMINAL_GENERAL_RESPONSE,
    Heartbeat: MsgId.HEARTBEAT,
    Logout: MsgId.LOGOUT,
    Registration: MsgId.REGISTRATION,
    Authentication: MsgId.AUTHENTICATION,
    Location: MsgId.LOCATION_REPORT,
    BatchLocation: MsgId.BATCH_LOCATION,
    PlatformGeneralResponse: MsgId.PLATFORM_GENERAL_RESPONSE,
    RegistrationResponse: MsgId.REGISTRATION_RESPONSE,
}

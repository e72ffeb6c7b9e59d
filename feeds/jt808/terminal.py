"""A minimal simulated terminal: sends real frames, reads the platform's replies.

For tests and the load generator; production never dials out.
"""

from __future__ import annotations

import asyncio

from feeds.jt808.codec import decode_frame, encode
from feeds.jt808.framing import FrameSplitter
from feeds.jt808.messages import (
    Authentication,
    Body,
    Edition,
    GeneralResult,
    Message,
    PlatformGeneralResponse,
    Registration,
    RegistrationResponse,
    RegistrationResult,
)


class TerminalClient:
    """One TCP connection speaking as terminal ``phone``."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, phone: str,
        edition: Edition,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.phone = phone
        self.edition = edition
        self._flow = 0
        self._splitter = FrameSplitter()
        self._ready: list[bytes] = []

    @classmethod
    async def connect(
        cls, host: str, port: int, phone: str, edition: Edition = Edition.V2013
    ) -> TerminalClient:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, phone, edition)

    def next_flow(self) -> int:
        self._flow = (self._flow + 1) & 0xFFFF
        return self._flow

    async def send(self, body: Body, flow: int | None = None) -> int:
        """Send ``body``; returns its flow number (fresh unless ``flow`` is given: a resend)."""
        if flow is None:
            flow = self.next_flow()
        self.writer.write(encode(body, phone=self.phone, flow=flow, edition=self.edition))
        await self.writer.drain()
        return flow

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self) -> Message:
        """The next reply; raises ``EOFError`` if the platform closed the connection."""
        while not self._ready:
            chunk = await self.reader.read(64 * 1024)
            if not chunk:
                raise EOFError("platform closed the connection")
            self._ready.extend(self._splitter.feed(chunk))
        return decode_frame(self._ready.pop(0))

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except ConnectionError:
            pass


class LoginRefused(RuntimeError):
    """The platform refused a simulated terminal's registration or authentication."""


async def log_in(client: TerminalClient, plate: str, terminal_id: str, maker: str) -> None:
    """Register with ``plate`` and authenticate with the code the platform
    gives back, as a real terminal does after power-on."""
    await client.send(Registration(61, 200, maker, "GEN", terminal_id, 1, plate))
    reply = (await client.receive()).body
    if not isinstance(reply, RegistrationResponse) or reply.result != RegistrationResult.OK:
        raise LoginRefused(f"terminal {terminal_id}: registration refused: {reply}")
    await client.send(Authentication(reply.auth_code, "860000000000000", maker.lower()))
    ack = (await client.receive()).body
    if not isinstance(ack, PlatformGeneralResponse) or ack.result != GeneralResult.OK:
        raise LoginRefused(f"terminal {terminal_id}: authentication refused: {ack}")

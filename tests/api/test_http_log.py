"""A client's malformed request gets its 4xx and one INFO line, never an ERROR traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from transit.api.http_log import server_logger


async def _hello(_: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _raw(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), 5)
    writer.close()
    return answer


@pytest.mark.parametrize("request_bytes", [
    b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # over-long URL
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",  # NUL in a header
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
])
async def test_malformed_requests_get_a_4xx_and_no_error_line(
    request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    app.router.add_get("/", _hello)
    runner = web.AppRunner(app, access_log=None, logger=server_logger())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with caplog.at_level(logging.DEBUG):
            answer = await _raw(port, request_bytes)
            healthy = await _raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    finally:
        await runner.cleanup()
    assert answer.split(b" ")[1][:1] == b"4"
    assert healthy.startswith(b"HTTP/1.1 200")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    (line,) = [r for r in caplog.records if r.getMessage().startswith("http_bad_request")]
    assert line.levelno == logging.INFO and line.exc_info is None

"""What the HTTP server logs when a client sends a malformed request.

aiohttp logs every request it cannot parse (an over-long URL, a NUL in a
header) as an ERROR with a traceback. That is the client's fault, not ours:
an ERROR line must mean something for the operator to fix (issue 8), and a
client must not be able to fill the log with tracebacks. So the server gets
its own logger, on which such records become one INFO line.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

LOGGER_NAME = "transit.http"


class ClientFaultFilter(logging.Filter):
    """Turns a 4xx parsing failure into an INFO ``http_bad_request`` line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= exc.code < 500:
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else None
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            # %r: the refused request may hold the very control characters refused.
            record.msg, record.args = "http_bad_request peer=%s status=%d error=%r", (
                peer, exc.code, exc.message or type(exc).__name__)
            record.exc_info, record.exc_text = None, None
            record.event = "http_bad_request"
        return True


def server_logger() -> logging.Logger:
    """The logger to give aiohttp's server (``web.AppRunner(..., logger=...)``)."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, ClientFaultFilter) for f in logger.filters):
        logger.addFilter(ClientFaultFilter())
    return logger

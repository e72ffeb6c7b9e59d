"""Which database failures lie in the rows, and which in the database.

A row fault (PostgreSQL refuses what a row holds: a NUL byte in text, a value
out of its column's range, a constraint) will fail the same way however often
it is sent, so the writer isolates and refuses that row. Anything else (the
server down or restarting, the disk full, a connection cut) may pass later, so
callers are told to send again.
"""

from __future__ import annotations

import asyncpg


def is_row_fault(exc: Exception) -> bool:
    """True when ``exc`` comes from the content of the rows flushed."""
    if isinstance(exc, (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)):
        return True
    # asyncpg's own encoders refuse a value before anything reaches the server
    # (a lone surrogate in text, a real out of float32 range, a wrong type).
    return isinstance(exc, (UnicodeError, OverflowError, TypeError, ValueError))

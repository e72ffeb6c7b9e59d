"""Who is pushing taps: a registered, active POS reader with its own key.

A request names its reader in ``X-Reader-Id`` and carries the reader's secret
in ``X-Reader-Key`` (over TLS, which the clear card ids in the body need
anyway). Not an HMAC of a timestamped body: its replay window would need the
reader's clock, and readers' clocks are hours off (``transit.flow.clocks``);
and a replayed push changes nothing, since taps are idempotent by transaction
id. See docs/flow.md "Live push from POS readers".

The registry is read from PostgreSQL at most every ``max_age_s`` (a reader
added or disabled with ``transit readers`` counts within seconds), never per
request: a flood of unknown ids costs no database round trip.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from transit.readers import Reader

_log = logging.getLogger(__name__)

READER_HEADER = "X-Reader-Id"
KEY_HEADER = "X-Reader-Key"
REGISTRY_MAX_AGE_S = 5.0


class RegistryUnavailable(RuntimeError):
    """The registry could not be read, and none was read before."""


class ReaderDirectory:
    """The registered readers by id, reloaded when older than ``max_age_s``."""

    def __init__(self, load: Callable[[], Awaitable[Sequence[Reader]]],
                 clock: Callable[[], float] = time.monotonic,
                 max_age_s: float = REGISTRY_MAX_AGE_S) -> None:
        self._load = load
        self._clock = clock
        self._max_age_s = max_age_s
        self._readers: Mapping[str, Reader] | None = None
        self._loaded_at = -float("inf")
        self._lock = asyncio.Lock()

    async def find(self, reader_id: str) -> Reader | None:
        """The reader named ``reader_id``, active or not; None if unknown.
        Raises ``RegistryUnavailable`` when the registry was never read."""
        if self._clock() - self._loaded_at >= self._max_age_s:
            async with self._lock:  # one reload however many requests wait
                if self._clock() - self._loaded_at >= self._max_age_s:
                    await self._reload()
        if self._readers is None:
            raise RegistryUnavailable("the POS reader registry could not be read")
        return self._readers.get(reader_id)

    async def _reload(self) -> None:
        try:
            readers = await self._load()
        except Exception as exc:  # noqa: BLE001 - keep the last registry read; say why
            _log.warning("reader_registry_unavailable error=%s: %s", type(exc).__name__, exc,
                         extra={"event": "reader_registry_unavailable"})
            return
        self._readers = {r.reader_id: r for r in readers}
        self._loaded_at = self._clock()


def judge_credentials(reader: Reader | None, key: str) -> str | None:
    """None when ``key`` opens an active ``reader``; else the 401's code. An
    unknown reader and a wrong key get the same code, so ids cannot be probed
    with a key; only the key's holder learns that its reader is disabled."""
    if reader is None or not reader.accepts(key):
        return "unknown_reader"
    if not reader.active:
        return "reader_disabled"
    return None

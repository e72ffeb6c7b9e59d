"""The messages the service shows: a small book of the sign operators'
messages not yet withdrawn nor expired, loaded from the store every few
seconds (so every replica picks up a message sent through another) and at
once after this service's console sends or withdraws one. Readers take its
immutable ``index``; the board cache rebuilds a board when it changes.

When the store cannot be read the book keeps what it had (messages still
expire by the service clock) and says so in the log once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from transit.boards.messages import MessageIndex, SignPlaces
from transit.store import Pool
from transit.store.sign_messages import list_showing_messages

_log = logging.getLogger(__name__)

REFRESH_S = 3.0


class MessageBook:
    def __init__(self, pool: Pool, places: SignPlaces, clock: Callable[[], float],
                 every_s: float = REFRESH_S) -> None:
        self.places = places
        self.every_s = every_s
        self._pool = pool
        self._clock = clock  # the service clock: what "showing" is judged on
        self._index = MessageIndex((), places)
        self._failing = False
        self.loads = 0  # times the index changed (tests, metrics)

    def index(self) -> MessageIndex:
        return self._index

    async def refresh(self) -> None:
        """Load the showing messages; a new index only when they changed."""
        messages = await list_showing_messages(self._pool, self._clock())
        if tuple(sorted(messages, key=lambda m: (-m.sent_at, -m.message_id))) != self._index.messages:
            self._index = MessageIndex(messages, self.places)
            self.loads += 1

    async def run(self) -> None:
        """Refresh every ``every_s`` until cancelled."""
        while True:
            try:
                await self.refresh()
                if self._failing:
                    _log.info("sign_messages_loaded_again count=%d", len(self._index))
                self._failing = False
            except Exception as exc:  # noqa: BLE001 - the store away must not end the book; keep showing
                if not self._failing:
                    _log.warning("sign_messages_unreadable error=%s: %s", type(exc).__name__, exc)
                self._failing = True
            await asyncio.sleep(self.every_s)

"""Networks of stored schedule versions and drafts for the approval pages'
Marey charts of drafts stored without their chart rows (``draft_charts``,
which a draft made now has: its page needs no network), built once off the
event loop and kept, a few at a time.

A stored feed never changes, so a built network stays right for as long as
it is kept. Building one takes seconds on the demo city (40 lines, 5,500
trips); the drafts list starts building those of the newest drafts awaiting
a decision (``warm``), so their pages open without waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from transit.gtfs.build import build_network
from transit.gtfs.feed import read_raw_tables
from transit.model.network import Network

_log = logging.getLogger(__name__)

Key = tuple[str, int]  # ("version", id) or ("draft", id)
Loader = Callable[[], Awaitable[bytes]]  # the feed's zip, from the store


class NetworkCache:
    def __init__(self, size: int = 4) -> None:
        if size < 1:
            raise ValueError(f"network cache of {size}: keep at least one")
        self._size = size
        self._built: OrderedDict[Key, Network] = OrderedDict()
        self._building: dict[Key, asyncio.Task[Network]] = {}

    async def get(self, key: Key, load: Loader) -> Network:
        """The network of ``key``, built from ``load()``'s zip the first time."""
        found = self._built.get(key)
        if found is not None:
            self._built.move_to_end(key)
            return found
        return await asyncio.shield(self._start(key, load))

    def has(self, key: Key) -> bool:
        return key in self._built

    def warm(self, key: Key, load: Loader) -> None:
        """Start building ``key``'s network in the background, unless kept or under way."""
        if key not in self._built:
            self._start(key, load)

    def put(self, key: Key, network: Network) -> None:
        self._built[key] = network
        self._built.move_to_end(key)
        while len(self._built) > self._size:
            self._built.popitem(last=False)

    def _start(self, key: Key, load: Loader) -> asyncio.Task[Network]:
        task = self._building.get(key)
        if task is None:
            task = asyncio.create_task(self._build(key, load), name=f"console-network-{key[0]}-{key[1]}")
            self._building[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    async def _build(self, key: Key, load: Loader) -> Network:
        data = await load()
        source = f"{key[0]}-{key[1]}.zip"
        network = await asyncio.to_thread(lambda: build_network(read_raw_tables(data, source)))
        self.put(key, network)
        return network

    def _finished(self, key: Key, task: asyncio.Task[Network]) -> None:
        self._building.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            _log.warning("console_network_failed key=%s error=%r", key, task.exception())

    async def close(self) -> None:
        """Stop the builds under way (the service is stopping)."""
        tasks = list(self._building.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

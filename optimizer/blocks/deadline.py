"""When the engine must stop. The clock comes from the caller (the core reads
none): the CLI passes ``time.monotonic``, tests may pass a fake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deadline:
    clock: Callable[[], float]  # seconds, never going back
    at: float

    @staticmethod
    def after(seconds: float, clock: Callable[[], float]) -> Deadline:
        return Deadline(clock, clock() + seconds)

    def left_s(self) -> float:
        return self.at - self.clock()

    def passed(self) -> bool:
        return self.left_s() <= 0

"""The one error of the engine's inputs: bad data named in the planner's terms."""

from __future__ import annotations


class InputError(ValueError):
    """Demand, running times, periods or a scenario the engine cannot use.

    The message says what is wrong, where (line, direction, stop, time bin or
    file key) and what is accepted; ``key`` names the setting or file key at
    fault when there is one.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key

"""Latency from a report's receipt to the live state it changed, in fixed
logarithmic bins: constant memory however long the service runs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

_BINS_PER_DECADE = 20
_LOWEST_S = 1e-5


@dataclass
class LatencyHistogram:
    counts: dict[int, int] = field(default_factory=dict)
    total: int = 0

    def add(self, seconds: float) -> None:
        index = 0 if seconds <= _LOWEST_S else int(math.log10(seconds / _LOWEST_S) * _BINS_PER_DECADE) + 1
        self.counts[index] = self.counts.get(index, 0) + 1
        self.total += 1

    def quantile(self, q: float) -> float:
        """Upper edge of the bin holding the q-quantile (within ~12%)."""
        if not self.total:
            return math.nan
        rank, seen = q * self.total, 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return _LOWEST_S * 10 ** (index / _BINS_PER_DECADE)
        return math.inf

"""The order passengers expect line names in: "2路" before "10路", numbered lines
before night and tourist lines ("夜1路", "旅游1线"), and "旅游2线" before "旅游10线".
One rule for every list of lines (signs, stop pages, posters, the app, the API)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")
_UNNUMBERED = 1 << 30


def line_order_key(name: str) -> tuple[int, tuple[tuple[int, str], ...]]:
    """Sort key: the leading number (lines without one last), then the name
    with every run of digits compared as a number."""
    parts = _DIGITS.split(name)
    leading = int(parts[1]) if len(parts) > 1 and parts[0] == "" else _UNNUMBERED
    chunks = tuple((int(p), "") if p.isdigit() else (-1, p) for p in parts if p)
    return leading, chunks

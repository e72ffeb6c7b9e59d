"""The summary of ``transit blocks --version``: the new blocking beside the live
version's blocks, every figure measured the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table

from feeds.schedules.days import ServiceDay
from feeds.schedules.kpis import BlockKpis
from feeds.schedules.params import FEN_PER_YUAN
from optimizer.blocks import Blocking
from transit.model.service_days import format_gtfs_time


@dataclass(frozen=True, slots=True)
class Baseline:
    """The blocks a version already has (GTFS block_id), measured."""

    version_id: int
    day: ServiceDay
    kpis: BlockKpis


def summary_table(label: str, day: ServiceDay, blocking: Blocking, ours: BlockKpis,
                  baseline: Baseline | None, max_wait_s: int, seconds: float) -> Table:
    live = f"live version {baseline.version_id}: its block_ids" if baseline else "live version"
    table = Table("", f"{label}: new blocks", live)
    services = ", ".join(sorted(day.service_ids))
    table.add_row("service day", f"{day.day} ({len(day.trips):,} trips; {services}; {day.days_alike} days alike)",
                  f"{baseline.day.day} ({len(baseline.day.trips):,} trips)" if baseline else "none is live")
    table.add_row("status", f"{blocking.status.value} ({blocking.method})", "")
    _add_kpis(table, ours, baseline.kpis if baseline else None)
    table.add_row("fleet lower bounds", _fleet_bounds(blocking), "")
    table.add_row("cost lower bound", _lower_bounds(blocking, max_wait_s), "")
    table.add_row("gap", f"{_yuan(blocking.gap)} ({100 * blocking.relative_gap:.2f}%)", "")
    table.add_row("time", f"{seconds:.1f} s", "")
    return table


def _add_kpis(table: Table, ours: BlockKpis, live: BlockKpis | None) -> None:
    def both(figure: str, show: Callable[[BlockKpis], str]) -> None:
        table.add_row(figure, show(ours), show(live) if live is not None else "")

    both("fleet (blocks)", lambda k: f"{k.fleet}")
    both("vehicles out at the peak", lambda k: f"{sum(n for _, n in k.peak_by_depot)}: "
         + ", ".join(f"{depot} {n}" for depot, n in k.peak_by_depot))
    both("cost", lambda k: _yuan(k.cost_fen))
    both("deadhead", lambda k: f"{k.deadhead_km:,.1f} km ({100 * k.deadhead_share:.2f}% of "
                                f"{k.deadhead_km + k.revenue_km:,.0f} km driven)")
    both("idle (layovers included)", lambda k: f"{k.idle_s / 3600:,.1f} h")
    both("moves shorter than the layover rule", lambda k: f"{k.too_short}")


def _fleet_bounds(blocking: Blocking) -> str:
    bounds = blocking.fleet_bounds
    chains = bounds.chain if bounds.all_waits is None else bounds.all_waits
    text = f"{chains} (layovers and deadhead times, any wait)"
    if bounds.deficit is not None:
        deficit = bounds.deficit
        text += (f"; deficit function {deficit.peak} at {format_gtfs_time(deficit.peak_at_s)[:5]} "
                 f"(deadhead times aside); {deficit.without_deadheads} without deadheads")
    return text


def _lower_bounds(blocking: Blocking, max_wait_s: int) -> str:
    text = f"{_yuan(blocking.lower_bound)} (any wait)"
    within = blocking.lower_bound_within_cap
    if within is not None and within != blocking.lower_bound:
        text += f"; {_yuan(within)} with waits up to {max_wait_s // 60} min"
    return text


def _yuan(fen: int) -> str:
    return f"{fen / FEN_PER_YUAN:,.2f} yuan"

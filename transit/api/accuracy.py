"""``GET /api/accuracy``: how each prediction method has done lately, per
route, direction and horizon, and pooled (transit/prediction/ensemble.py
judges every published prediction when its bus arrives)."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from transit.api.context import CONTEXT, json_response
from transit.prediction.accuracy import MethodAccuracy, pool


def _rows(rows: tuple[MethodAccuracy, ...] | list[MethodAccuracy]) -> list[dict[str, object]]:
    return [{**asdict(r), "mae_s": round(r.mae_s, 1), "bias_s": round(r.bias_s, 1),
             "within_band": round(r.within_band, 4)} for r in rows]


def pooled_accuracy(rows: tuple[MethodAccuracy, ...]) -> dict[str, dict[str, object]]:
    """method -> horizon -> figures, for /metrics."""
    pooled: dict[str, dict[str, object]] = {}
    for row in _rows(pool(rows)):
        figures = {k: row[k] for k in ("scored", "mae_s", "bias_s", "within_band")}
        pooled.setdefault(str(row["method"]), {})[str(row["horizon"])] = figures
    return pooled


async def prediction_accuracy(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    rows = context.live.snapshot.accuracy
    return json_response({
        "at": context.clock(),
        "note": "error = actual - predicted (s), judged when the bus reached the stop; "
                "exponentially weighted, recent predictions count most",
        "pooled": _rows(pool(rows)),
        "routes": _rows(rows),
    })


def add_accuracy_routes(app: web.Application) -> None:
    app.router.add_get("/api/accuracy", prediction_accuracy)

"""The stop page behind each ordinary sign's QR code: ``GET /s/{stop_id}``
(HTML, ``signage.page_template``) and ``GET /s/{stop_id}.json`` (what the
page's script redraws from), both rendered from the stop's board
(``signage.stop_page``).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from signage.page_template import render_not_found, render_stop_page
from signage.stop_page import StopPage, page_json, stop_page
from transit.arrivals import StopTimetable
from transit.boards.board import StopBoards
from transit.boards.cache import BoardCache, Reuse
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network

REFRESH_S = 15.0
# A page shows the current predictions; a board of them made within the
# second (by another phone, a sign, the app) is as current.
PAGE_REUSE = Reuse(1.0)


def add_stop_page_routes(
    app: web.Application,
    *,
    network: Network,
    timetable: StopTimetable,
    snapshot: Callable[[], LiveSnapshot],
    clock: Callable[[], float],
    refresh_s: float = REFRESH_S,
    boards: BoardCache | None = None,
) -> None:
    """Serve ``GET /s/{stop_id}`` (HTML) and ``GET /s/{stop_id}.json`` from the
    live snapshot; ``snapshot`` and ``clock`` are read on every request. Boards
    come from ``boards``, the service's one cache, or a cache of their own."""
    cache = boards or BoardCache(StopBoards(network, timetable))

    def page_for(request: web.Request) -> StopPage:
        stop_id = request.match_info["stop_id"]
        if stop_id not in network.stops:
            raise web.HTTPNotFound(text=render_not_found(stop_id), content_type="text/html")
        live = snapshot()
        board = cache.get(stop_id, live.predictions, clock(), PAGE_REUSE, live.crowding)
        return stop_page(board, network.timezone)

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=render_stop_page(page_for(request), refresh_s), content_type="text/html",
                            charset="utf-8", headers={"Cache-Control": "no-cache"})

    async def data(request: web.Request) -> web.Response:
        return web.Response(body=page_json(page_for(request)), content_type="application/json",
                            headers={"Cache-Control": "no-cache"})

    # The JSON route first: "{stop_id}" alone would also match "S1.json".
    app.router.add_get("/s/{stop_id}.json", data)
    app.router.add_get("/s/{stop_id}", page)

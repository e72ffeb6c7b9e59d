"""The one cache of stop boards, shared by every channel.

The live state publishes a new snapshot many times a second under load, and
nearly every one moves some bus's prediction: rebuilding every watched board
on each would cost more than serving them. So an entry per stop remembers the
predictions it was made from and when, and each channel says how old a board
it may show (``Reuse``): a sign polling every 10-30 s takes one up to 10 s old
from any snapshot, live push only one made from the current predictions.

An entry holds a weak reference to the predictions, never the snapshot or the
predictions themselves: hundreds of entries pinning hundreds of old snapshots
(millions of objects) once stalled the collector for seconds (docs/soak.md).

The sign operators' messages come from ``messages`` (the current index, read
at each call): a board is reused only while the index is the one it was made
from and none of its messages has expired, so a message sent, withdrawn or
run out shows on the next request of every channel, whatever its reuse.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from transit.boards.board import StopBoard, StopBoards
from transit.boards.messages import NO_MESSAGES, MessageIndex, shown_until
from transit.flow.crowding import NO_CROWDING, Crowding
from transit.prediction.publish import PredictionBoard


@dataclass(frozen=True, slots=True)
class Reuse:
    """How old a board a channel may show."""

    max_age_s: float
    any_predictions: bool = False  # True: one made from older predictions will do


def no_messages() -> MessageIndex:
    """The message source of a service without signs' messages."""
    return NO_MESSAGES


class BoardCache:
    """The latest board of each stop (of the network: one entry per stop at most)."""

    def __init__(self, boards: StopBoards, messages: Callable[[], MessageIndex] = no_messages) -> None:
        self.boards = boards
        self.messages = messages
        # stop -> (made from these predictions, the board, with this message index, valid until)
        self._entries: dict[str, tuple[weakref.ReferenceType[PredictionBoard], StopBoard, MessageIndex, float]] = {}
        self.builds = 0  # boards built (tests, metrics)

    def get(self, stop_id: str, predictions: PredictionBoard, now: float, reuse: Reuse,
            crowding: Mapping[str, Crowding] = NO_CROWDING) -> StopBoard:
        """The board of ``stop_id`` at ``now``, or a cached one ``reuse`` accepts.
        A board's ``crowding`` is as old as the board: the key is the
        predictions, which move with every bus anyway."""
        entry = self._entries.get(stop_id)
        index = self.messages()
        if entry is not None:
            made_from, board, made_with, until = entry
            if 0.0 <= now - board.at < reuse.max_age_s and (reuse.any_predictions or made_from() is predictions) \
                    and made_with is index and now < until:
                return board
        board = self.boards.build(predictions, stop_id, now, crowding, index.at(stop_id, now))
        self._entries[stop_id] = (weakref.ref(predictions), board, index, shown_until(board.messages))
        self.builds += 1
        return board

"""A bounded, first-come first-served line in front of the answer slots.

The local model answers one question at a time. Gradio would queue the rest without bound and
report a full queue as an HTTP error; this line instead turns a question away at once when
``max_waiting`` others already wait (``Busy``), tells a waiting question its place and an
estimated wait, and is shared by the chat and the API.

A place whose owner stops asking about it (a closed page, a dropped connection) is given up after
``stale_s``, so an abandoned question never holds the line.
"""

from __future__ import annotations

import itertools
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from bot.types import BotError

RECENT = 20  # answer times the estimate averages


class Busy(BotError):
    """The line is full; ``retry_after_s`` is the estimated wait of the last place, if known."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Place:
    """One question's place: it waits, then holds a slot until it leaves (also as a context)."""

    def __init__(self, line: Waitline, number: int, now: float) -> None:
        self._line = line
        self.number = number
        self.joined = self.seen = now
        self.granted: float | None = None  # when a slot was given
        self.claimed = False  # the owner has seen that it holds the slot
        self.timed = True  # its hold time counts toward estimates (not while models load)

    def wait(self, timeout: float) -> bool:
        """True once this place holds a slot; otherwise waits up to ``timeout`` seconds."""
        return self._line._wait(self, timeout)

    def position(self) -> int:
        """0 while holding a slot, else 1 for the next in line, 2 after it…"""
        return self._line._position(self)

    def estimate_s(self) -> float | None:
        """Estimated seconds until this place gets a slot (None before any answer was timed)."""
        return self._line._estimate(self)

    def leave(self, record: bool = True) -> None:
        """Gives the slot or the place up (idempotent); ``record`` times a held slot."""
        self._line._leave(self, record)

    def __enter__(self) -> Place:
        return self

    def __exit__(self, *exc: object) -> None:
        self.leave()


class Waitline:
    def __init__(
        self,
        slots: int,
        max_waiting: int,
        stale_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cond = threading.Condition()
        self._slots = max(1, slots)
        self.max_waiting = max(0, max_waiting)
        self.stale_s = stale_s
        self._clock = clock
        self._waiting: deque[Place] = deque()
        self._holding: list[Place] = []
        self._times: deque[float] = deque(maxlen=RECENT)
        self._numbers = itertools.count(1)
        self.counts = {"served": 0, "turned_away": 0, "abandoned": 0}
        self.peaks = {"answering": 0, "waiting": 0}

    @property
    def slots(self) -> int:
        return self._slots

    @slots.setter
    def slots(self, value: int) -> None:
        with self._cond:
            self._slots = max(1, value)
            self._grant()

    def join(self) -> Place:
        """A place in line, holding a slot at once if one is free; Busy if the line is full."""
        with self._cond:
            now = self._clock()
            self._reap(now)
            if len(self._waiting) >= self.max_waiting and len(self._holding) >= self._slots:
                self.counts["turned_away"] += 1
                ahead = len(self._waiting) + len(self._holding) - self._slots + 1
                raise Busy(
                    f"The bot is busy: {len(self._waiting)} questions are already waiting. "
                    "Please try again in a moment.",
                    self._wait_for(ahead),
                )
            place = Place(self, next(self._numbers), now)
            self._waiting.append(place)
            self._grant()
            self.peaks["waiting"] = max(self.peaks["waiting"], len(self._waiting))
            return place

    def stats(self) -> dict[str, Any]:
        """For /status: slots, how many answer and wait, the wait a newcomer can expect."""
        with self._cond:
            self._reap(self._clock())
            waiting = len(self._waiting)
            ahead = waiting + len(self._holding) - self._slots + 1
            return {
                "slots": self._slots,
                "answering": len(self._holding),
                "waiting": waiting,
                "max_waiting": self.max_waiting,
                "full": waiting >= self.max_waiting and len(self._holding) >= self._slots,
                "wait_estimate_s": self._wait_for(ahead),
                "answer_s_mean": round(statistics.fmean(self._times), 2) if self._times else None,
                **self.counts,
                "peak_answering": self.peaks["answering"],
                "peak_waiting": self.peaks["waiting"],
            }

    # ------------------------------------------------------------ under the lock

    def _grant(self) -> None:
        now = self._clock()
        while self._waiting and len(self._holding) < self._slots:
            place = self._waiting.popleft()
            place.granted = now
            self._holding.append(place)
        self.peaks["answering"] = max(self.peaks["answering"], len(self._holding))
        self._cond.notify_all()

    def _reap(self, now: float) -> None:
        """Gives up places whose owners went away: unseen while waiting, or never claimed."""
        stale = [p for p in self._waiting if now - p.seen > self.stale_s]
        stale += [
            p
            for p in self._holding
            if not p.claimed and p.granted is not None and now - p.granted > self.stale_s
        ]
        for place in stale:
            self.counts["abandoned"] += 1
            self._remove(place)
        if stale:
            self._grant()

    def _remove(self, place: Place) -> bool:
        """True if the place held a slot."""
        if place in self._holding:
            self._holding.remove(place)
            return True
        if place in self._waiting:
            self._waiting.remove(place)
        return False

    def _wait_for(self, ahead: int) -> float | None:
        """Seconds until ``ahead`` more answers have finished, from recent answer times."""
        if ahead <= 0:
            return 0.0
        if not self._times:
            return None
        return round(math.ceil(ahead / self._slots) * statistics.fmean(self._times), 1)

    def _wait(self, place: Place, timeout: float) -> bool:
        with self._cond:
            place.seen = self._clock()
            self._reap(place.seen)
            if place in self._waiting:
                self._cond.wait(timeout)
                place.seen = self._clock()
            if place in self._holding:
                place.claimed = True
                return True
            if place not in self._waiting:  # given up as abandoned, or left
                raise Busy("Your place in line was given up. Please ask again.")
            return False

    def _position(self, place: Place) -> int:
        with self._cond:
            place.seen = self._clock()
            self._reap(place.seen)
            if place in self._holding:
                return 0
            return self._waiting.index(place) + 1 if place in self._waiting else 0

    def _estimate(self, place: Place) -> float | None:
        with self._cond:
            if place not in self._waiting:
                return 0.0
            ahead = self._waiting.index(place) + 1 + len(self._holding) - self._slots
            return self._wait_for(ahead)

    def _leave(self, place: Place, record: bool) -> None:
        with self._cond:
            held = self._remove(place)
            if held and place.claimed:
                self.counts["served"] += 1
                if record and place.timed and place.granted is not None:
                    self._times.append(self._clock() - place.granted)
            self._grant()

"""The bounded line in front of the answer slots (bot.waitline), with a fake clock and threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.waitline import Busy, Waitline


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_first_come_first_served():
    line = Waitline(slots=1, max_waiting=5)
    a, b, c = line.join(), line.join(), line.join()
    assert [p.position() for p in (a, b, c)] == [0, 1, 2]
    assert a.wait(0) and not b.wait(0)
    a.leave()
    assert b.wait(0) and c.position() == 1 and not c.wait(0)
    a.leave()  # leaving twice changes nothing
    assert c.position() == 1


def test_a_full_line_turns_newcomers_away_at_once():
    line = Waitline(slots=1, max_waiting=2)
    first, *_ = [line.join() for _ in range(3)]
    with pytest.raises(Busy, match="2 questions are already waiting"):
        line.join()
    stats = line.stats()
    assert stats["full"] and stats["turned_away"] == 1
    assert (stats["answering"], stats["waiting"]) == (1, 2)
    first.leave()
    line.join()  # room again


def test_without_waiting_room_only_free_slots_are_given():
    line = Waitline(slots=2, max_waiting=0)
    assert line.join().wait(0) and line.join().wait(0)
    with pytest.raises(Busy):
        line.join()


def test_estimates_come_from_recent_answer_times():
    clock = Clock()
    line = Waitline(slots=1, max_waiting=5, clock=clock)
    first = line.join()
    assert first.wait(0) and first.estimate_s() == 0.0
    second = line.join()
    assert second.estimate_s() is None  # nothing timed yet
    clock.t = 10.0
    first.leave()
    assert second.wait(0)
    third, fourth = line.join(), line.join()
    assert (third.estimate_s(), fourth.estimate_s()) == (10.0, 20.0)
    assert line.stats()["wait_estimate_s"] == 30.0  # for a newcomer, behind all of them
    line.slots = 2  # a second slot: the third is served now, the fourth waits half as long
    assert third.wait(0) and fourth.estimate_s() == 10.0


def test_the_busy_error_says_when_to_retry():
    clock = Clock()
    line = Waitline(slots=1, max_waiting=1, clock=clock)
    timed = line.join()
    timed.wait(0)
    clock.t = 4.0
    timed.leave()
    line.join().wait(0)
    line.join()
    with pytest.raises(Busy) as busy:
        line.join()
    assert busy.value.retry_after_s == 8.0  # the one answering and the one waiting


def test_untimed_answers_do_not_count_toward_estimates():
    clock = Clock()
    line = Waitline(slots=1, max_waiting=5, clock=clock)
    loading = line.join()
    loading.wait(0)
    loading.timed = False  # e.g. it waited for the models to load
    clock.t = 300.0
    loading.leave()
    assert line.stats()["answer_s_mean"] is None and line.stats()["served"] == 1


def test_places_whose_owners_went_away_are_given_up():
    clock = Clock()
    line = Waitline(slots=1, max_waiting=5, stale_s=30.0, clock=clock)
    holder, gone, alive = line.join(), line.join(), line.join()
    holder.wait(0)
    clock.t = 20.0
    alive.wait(0)
    clock.t = 31.0  # `gone` has not asked about its place for 31 s
    assert alive.position() == 1 and line.stats()["abandoned"] == 1
    with pytest.raises(Busy, match="given up"):
        gone.wait(0)
    clock.t = 1000.0  # a slot being used is never taken back…
    assert alive.position() == 1 and line.stats()["answering"] == 1
    holder.leave()  # …but one given to a place nobody claims is (`alive` stops asking)
    clock.t = 1031.0
    assert line.join().wait(0)
    assert line.stats()["abandoned"] == 2


def test_a_place_is_given_up_when_its_generator_is_closed():
    line = Waitline(slots=1, max_waiting=1)

    def asker():
        with line.join() as place:
            while not place.wait(0.01):
                yield "waiting"
            yield "answering"

    first, second = asker(), asker()
    assert next(first) == "answering" and next(second) == "waiting"
    first.close()  # e.g. Gradio closing the handler of a page that went away
    assert next(second) == "answering"


def test_threads_never_exceed_the_slots_and_every_request_is_accounted_for():
    line = Waitline(slots=2, max_waiting=5)
    lock = threading.Lock()
    holding, most = 0, 0

    def request(_: int) -> str:
        nonlocal holding, most
        try:
            place = line.join()
        except Busy:
            return "busy"
        with place:
            while not place.wait(0.05):
                pass
            with lock:
                holding += 1
                most = max(most, holding)
            threading.Event().wait(0.01)
            with lock:
                holding -= 1
        return "served"

    with ThreadPoolExecutor(60) as pool:
        outcomes = list(pool.map(request, range(60)))
    stats = line.stats()
    assert most <= 2 and stats["peak_answering"] <= 2 and stats["peak_waiting"] <= 5
    assert outcomes.count("served") == stats["served"] >= 7
    assert outcomes.count("busy") == stats["turned_away"]
    assert stats["served"] + stats["turned_away"] == 60
    assert (stats["answering"], stats["waiting"]) == (0, 0)

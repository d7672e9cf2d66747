"""Answers are worked out in lower-priority threads, so the web server's door stays prompt."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from bot import priority


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_call_returns_or_raises_what_the_function_does():
    assert priority.call(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        priority.call(lambda: 1 / 0)


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_answers_run_at_a_lower_priority_and_threads_they_start_inherit_it():
    def nice_here_and_in_a_child() -> tuple[int, int]:
        child: list[int] = []
        thread = threading.Thread(target=lambda: child.append(_nice()))
        thread.start()
        thread.join()
        return _nice(), child[0]

    mine = _nice()
    here, child = priority.call(nice_here_and_in_a_child)
    assert here == child == min(mine + priority.NICE, 19)
    assert _nice() == mine  # the caller's own priority is untouched
    assert list(priority.iterate(lambda: iter([_nice()]))) == [here]


def test_iterate_yields_in_order_and_raises_what_the_iterator_does():
    assert list(priority.iterate(lambda: iter(range(5)))) == [0, 1, 2, 3, 4]

    def failing():
        yield 1
        raise ValueError("no")

    items = priority.iterate(failing)
    assert next(items) == 1
    with pytest.raises(ValueError, match="no"):
        next(items)


def test_a_consumer_that_stops_early_closes_the_iterator():
    closed = threading.Event()
    proceed = threading.Event()

    def answer():
        try:
            yield "draft"
            proceed.wait(5)
            yield "final"
            yield "never asked for"
        finally:
            closed.set()

    items = priority.iterate(answer)
    assert next(items) == "draft"
    items.close()  # the page went away
    proceed.set()
    assert closed.wait(5)

"""Answers give way on the CPU to the web server's door: sign-ins, the page, config, /status.

The local model keeps both cores busy while it answers, and the sign-in (a password hash), the
page and the API's reads run in the same process. At one priority they share the cores with it,
and a burst of sign-ins took longer than the 5 s a client waits. So each answer is worked out in a
thread of its own at a lower priority (nice +10: about a tenth of the weight of the rest when
both want a core); the threads that llama.cpp and torch start from it inherit it. With nothing
else to run, an answer is as fast as before. A thread may not raise its priority again without
privileges, so each answer gets a fresh thread, which ends with it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
NICE = 10


def lower_this_thread() -> None:
    """Lowers the calling thread's CPU priority by NICE (Linux only: elsewhere the nice value
    belongs to the whole process, server included, so nothing is changed)."""
    if sys.platform != "linux":
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):  # already at the lowest priority, or not permitted
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + NICE)


def call(fn: Callable[[], T]) -> T:
    """``fn()`` worked out in a fresh lower-priority thread: its result, or its exception."""
    done: Future[T] = Future()

    def run() -> None:
        lower_this_thread()
        try:
            done.set_result(fn())
        except BaseException as exc:  # handed to the caller, which raises it
            done.set_exception(exc)

    threading.Thread(target=run, name="answer", daemon=True).start()
    return done.result()


def iterate(items: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The items of ``items()``, made in a fresh lower-priority thread as they are consumed.

    When the consumer stops early (a closed page), the producer stops after the item it is
    making and closes the iterator, as the consumer would have.
    """
    out: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        lower_this_thread()
        made = items()
        try:
            for item in made:
                out.put(("item", item))
                if stop.is_set():
                    break
            out.put(("end", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            out.put(("error", exc))
        finally:
            close = getattr(made, "close", None)
            if close is not None:
                close()

    threading.Thread(target=run, name="answer", daemon=True).start()
    try:
        while True:
            kind, value = out.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()

"""Timing helpers: percentiles and a stopwatch."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def summary(samples: Iterable[float], scale: float = 1.0, digits: int = 3) -> dict[str, Any]:
    """p50 / p95 / n of ``samples`` (multiplied by ``scale``, e.g. 1000 for ms)."""
    xs = [x * scale for x in samples]
    if not xs:
        return {"p50": None, "p95": None, "n": 0}
    p50, p95 = np.percentile(xs, [50, 95])
    return {"p50": round(float(p50), digits), "p95": round(float(p95), digits), "n": len(xs)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def repeat(fn: Callable[[Any], Any], items: list[Any], reps: int) -> list[float]:
    """Seconds of ``fn(item)`` for every item, ``reps`` times over."""
    return [timed(lambda item=item: fn(item))[0] for _ in range(reps) for item in items]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

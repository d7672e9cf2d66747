"""A burst: 100 concurrent API requests against a line of 10, on the real app in extractive mode.

One slot (BOT_CONCURRENCY=1: one answer at a time, as with the local model) and BOT_QUEUE_MAX=10.
Each request comes from its own gradio_client.Client (one session per user), all released at
once; each answered one sends a feedback vote right away, so votes are written while other
questions are answered or turned away. Two bursts; then the outcome is checked: only answers
(with verbatim citations) or the busy error, every request accounted for by the app, never more
than 1 answering or 10 waiting, one feedback line per vote, one log line per request without
its text, and the app's memory (VmRSS/VmHWM from /proc) bounded. Figures go to
test-artifacts/burst.json.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.apprunner import ROOT, App, running_app

pytestmark = [pytest.mark.server, pytest.mark.real_models, pytest.mark.timeout(1200)]

REQUESTS = 100
QUEUE_MAX = 10
BURSTS = 2
QUESTION = "Combien de personnes Amazon veut-elle former d’ici 2025 ?"
ARTICLE = (ROOT / "corpus" / "000_88c982e0d93ec0a5.txt").read_text(encoding="utf-8")
ARTIFACT = ROOT / "test-artifacts" / "burst.json"
RESULT_TIMEOUT_S = 300
# Memory: the first burst may fill caches (Gradio's per-session and per-event records, bounded
# by its own capacities); a second one must add little, and no burst may balloon.
SECOND_BURST_GROWTH_MB = 64
BURST_PEAK_OVER_BASELINE_MB = 256
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) \S+: ")


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    env = {"BOT_LLM": "extractive", "BOT_CONCURRENCY": "1", "BOT_QUEUE_MAX": str(QUEUE_MAX)}
    with running_app(tmp_path_factory.mktemp("burst"), **env) as running:
        yield running


def _request(client: Any, start: threading.Barrier) -> dict[str, Any]:
    start.wait()
    try:
        result = client.predict(QUESTION, api_name="/answer")
    except Exception as exc:  # a crash or a transport error: reported, then fails the test
        return {"exception": f"{type(exc).__name__}: {exc}"}
    if "text" in result:
        vote = client.predict(QUESTION, result, "up", api_name="/feedback")
        result = result | {"vote": vote}
    return result


def _burst(app: App) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(REQUESTS) as pool:
        clients = list(pool.map(lambda _: app.client(), range(REQUESTS)))
        start = threading.Barrier(REQUESTS)
        try:
            return list(pool.map(lambda c: _request(c, start), clients))
        finally:
            list(pool.map(lambda c: c.close(), clients))  # each waits ~1 s for its heartbeat


def _status(app: App) -> dict[str, Any]:
    client = app.client()
    try:
        return client.predict(api_name="/status")["queue"]
    finally:
        client.close()


@pytest.fixture(scope="module")
def bursts(app) -> dict[str, Any]:
    """Two bursts after one warm answer; results, the app's counts and memory around them."""
    client = app.client()
    assert "text" in client.predict(QUESTION, api_name="/answer")
    client.close()
    memory, lines, counts = [app.memory_mb()], [], [_status(app)]
    for _ in range(BURSTS):
        lines.append(_burst(app))
        memory.append(app.memory_mb())
        counts.append(_status(app))
    return {"results": lines, "memory": memory, "counts": counts}


def test_every_request_gets_an_answer_or_the_busy_error(bursts):
    for results in bursts["results"]:
        assert [r for r in results if "exception" in r] == []
        for r in results:
            if "text" in r:
                for c in r["citations"]:
                    assert ARTICLE[c["start"] : c["end"]] == c["quote"]
            else:
                assert r["busy"] is True and "try again in a moment" in r["error"], r


def test_the_app_accounts_for_every_request_and_keeps_its_bounds(bursts):
    counts = bursts["counts"]
    pairs = zip(counts, counts[1:], strict=False)
    for (before, after), results in zip(pairs, bursts["results"], strict=True):
        answered = sum("text" in r for r in results)
        assert after["served"] - before["served"] == answered
        assert after["turned_away"] - before["turned_away"] == REQUESTS - answered
        assert answered >= 1 + QUEUE_MAX  # the first eleven are always let in
    assert counts[-1]["peak_answering"] == 1 and counts[-1]["peak_waiting"] <= QUEUE_MAX
    assert (counts[-1]["answering"], counts[-1]["waiting"], counts[-1]["abandoned"]) == (0, 0, 0)


def test_one_feedback_line_per_vote(app, bursts):
    votes = [r["vote"] for results in bursts["results"] for r in results if "vote" in r]
    assert votes and all(v == {"ok": True} for v in votes)
    lines = (app.data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line whole
    assert len(records) == len(votes)
    assert {r["question"] for r in records} == {QUESTION} and {r["vote"] for r in records} == {"up"}


def test_logs_have_one_whole_line_per_request_and_no_text(app, bursts):
    log = app.log.read_text(encoding="utf-8")
    entries = [line for line in log.splitlines() if LOG_LINE.match(line)]
    answered = sum("text" in r for results in bursts["results"] for r in results)
    busy = sum("busy" in r for results in bursts["results"] for r in results)
    assert sum("answered via api:" in line for line in entries) == answered + 1  # + the warm one
    assert sum("busy: turned a question away via api" in line for line in entries) == busy
    assert sum("feedback via api: up" in line for line in entries) == answered
    assert QUESTION not in log and "29 millions" not in log
    strays = [line for line in log.splitlines() if "bot." in line and not LOG_LINE.match(line)]
    assert strays == []  # no log record of the app cut or run into another


def test_memory_stays_bounded(bursts):
    memory, results = bursts["memory"], bursts["results"]
    report = {
        "requests_per_burst": REQUESTS,
        "queue_max": QUEUE_MAX,
        "answered": [sum("text" in r for r in rs) for rs in results],
        "busy": [sum("busy" in r for r in rs) for rs in results],
        "memory_mb": memory,
        "counts": bursts["counts"][-1],
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nburst: {report['answered']} answered, {report['busy']} busy; memory {memory}")
    baseline, first, second = (m["VmRSS"] for m in memory)
    assert second - first <= SECOND_BURST_GROWTH_MB, memory
    assert memory[-1]["VmHWM"] - baseline <= BURST_PEAK_OVER_BASELINE_MB, memory

"""A burst of new users (issue 21) against the app as a team runs it: the local model, BOT_AUTH
a password file of Argon2id hashes, BOT_QUEUE_MAX=3. gradio_client sessions released together,
each signing in and asking one question: 20 with accounts of their own signing in for the first
time; 50 on one team account (the issue's own test: a ``Client(url, auth=...)`` per user); 50
with accounts of their own signing in for the first time; the same 50 signing in again.

Every session must get in and get an answer (with verbatim citations) or the busy reply with
its ``retry_after_s``: no connection error, no time-out, and the busy reply or its place in the
line within 5 s of starting to connect (the issue's bound). How the sessions are made, and what
is kept out of the measurement, is in ``bench/burst.py``; ``bench/load.py --burst`` reports the
same bursts. Figures (sign-in p50/p95, reply times, load average) go to
test-artifacts/signin-burst.json; only the outcome and the bound are asserted, and that a
colleague already signed in gets the page, /config and /status throughout, each within the
same bound.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from bench import burst, burst_figures
from tests.apprunner import ROOT, App, running_app

pytestmark = [pytest.mark.server, pytest.mark.real_models, pytest.mark.timeout(1800)]

QUEUE_MAX = 3
NAMES = [name for name, _ in burst.scenarios()]
ARTICLE = (ROOT / "corpus" / "000_88c982e0d93ec0a5.txt").read_text(encoding="utf-8")
ARTIFACT = ROOT / "test-artifacts" / "signin-burst.json"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    workdir = tmp_path_factory.mktemp("signin-burst")
    users = workdir / "users.txt"
    burst.write_password_file(users, burst.accounts(0, burst.ACCOUNTS))
    env = {"BOT_AUTH": str(users), "BOT_QUEUE_MAX": str(QUEUE_MAX)}
    with running_app(workdir, auth=burst.accounts(0, 1)[0], **env) as running:
        yield running


@pytest.fixture(scope="module")
def bursts(app) -> dict[str, Any]:
    runs = burst.run(app.url, print)
    report: dict[str, Any] = {
        name: burst_figures.figures(run["sessions"], run["reads"]) for name, run in runs.items()
    }
    report["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name in runs:
        f = report[name]
        print(
            f"{name}: {f['errors']} errors ({f['timeouts']} time-outs), {f['answered']} "
            f"answered, {f['busy']} busy; sign-in p50 {f['sign_in_s']['p50']} s / p95 "
            f"{f['sign_in_s']['p95']} s; busy or in line within {f['outcome_max_s']} s; "
            f"answers p95 {f['answer_s']['p95']} s; reads meanwhile p95 {f['reads_s']['p95']} s"
        )
    return runs


@pytest.mark.parametrize("name", NAMES)
def test_everyone_gets_in_and_gets_an_answer_or_busy(bursts, name):
    sessions = bursts[name]["sessions"]
    assert [s["error"] for s in sessions if "error" in s] == []  # no connection error, no time-out
    for s in sessions:
        kind = burst_figures.kind(s)
        assert kind in ("answer", "busy"), s
        if kind == "answer":
            for c in s["result"]["citations"]:
                assert ARTICLE[c["start"] : c["end"]] == c["quote"]
        else:
            assert "try again in a moment" in s["result"]["error"], s
            assert s["result"]["retry_after_s"] > 0, s  # an answer was timed before the burst


@pytest.mark.parametrize("name", NAMES)
def test_everyone_is_answered_busy_or_in_line_within_5_s(bursts, name):
    late = [
        (s["user"], round(s["outcome_s"], 2))
        for s in bursts[name]["sessions"]
        if s.get("outcome_s", float("inf")) > burst_figures.BOUND_S
    ]
    assert late == []


@pytest.mark.parametrize("name", NAMES)
def test_the_app_counts_every_question_and_keeps_the_line_bounded(bursts, name):
    run = bursts[name]
    answered = sum(burst_figures.kind(s) == "answer" for s in run["sessions"])
    before, after = run["before"], run["after"]
    assert after["served"] - before["served"] == answered
    assert after["turned_away"] - before["turned_away"] == len(run["sessions"]) - answered
    assert answered >= 1 + QUEUE_MAX  # one answering and three waiting are always let in
    assert after["peak_answering"] == 1 and after["peak_waiting"] <= QUEUE_MAX


@pytest.mark.parametrize("name", NAMES)
def test_reads_are_answered_meanwhile(bursts, name):
    """The page, /config and /status, read throughout the burst and the answers after it."""
    reads = bursts[name]["reads"]
    assert [r for r in reads if isinstance(r, str)] == []
    assert reads and max(reads) <= burst_figures.BOUND_S

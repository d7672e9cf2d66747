"""Feedback lines and logs under concurrent writers: whole lines, none lost, no text in logs."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr
import pytest

from bot import feedback
from bot.types import BotError
from bot.waitline import Waitline
from tests.test_serving import QUESTION, serving
from tests.test_ui import make_answer

ROOT = Path(__file__).resolve().parent.parent
WRITER = """
import sys
from pathlib import Path
from bot import feedback
path, name, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    feedback.append(path, {"writer": name, "i": i, "pad": "é" * 3000})
"""


def test_a_record_holds_question_answer_citations_vote_and_time():
    turn = {"question": "Combien ?", "answer": make_answer().to_dict()}
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    rec = feedback.record(turn, False, now)
    assert rec["vote"] == "down" and rec["time"] == "2026-01-02T03:04:05+00:00"
    assert rec["question"] == "Combien ?" and rec["answer"].startswith("Amazon")
    assert rec["citations"][0]["quote"] == "29 millions de personnes"
    assert feedback.record(turn, True, now)["vote"] == "up"


def test_concurrent_threads_and_processes_write_whole_lines_and_lose_none(tmp_path):
    path = tmp_path / "data" / "feedback.jsonl"
    threads, processes, each = 16, 3, 40
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{k}", str(each)], cwd=ROOT)
        for k in range(processes)
    ]

    def write(k: int) -> None:
        for i in range(each):
            feedback.append(path, {"writer": f"t{k}", "i": i, "pad": "é" * 3000})

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, range(threads)))
    assert [p.wait(timeout=120) for p in procs] == [0] * processes
    lines = path.read_text(encoding="utf-8").splitlines()
    seen = [(rec["writer"], rec["i"]) for rec in map(json.loads, lines)]  # every line parses
    expected = {(f"t{k}", i) for k in range(threads) for i in range(each)}
    expected |= {(f"p{k}", i) for k in range(processes) for i in range(each)}
    assert len(seen) == len(expected) and set(seen) == expected
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # questions and answers are private


def test_an_oversized_vote_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "feedback.jsonl"
    with pytest.raises(BotError, match="limited to"):
        feedback.append(path, {"answer": "x" * feedback.MAX_LINE_BYTES})
    assert not path.exists()


@pytest.mark.parametrize(
    ("answer", "vote", "message"),
    [
        ({"text": "A [1].", "citations": []}, "maybe", "'up' or 'down'"),
        ("not json", "up", "not valid JSON"),
        ({"citations": []}, "down", "must have a 'text'"),
        (["A"], "up", "the object /answer returned"),
    ],
)
def test_the_feedback_api_explains_bad_input(settings, answer, vote, message):
    handlers = serving(settings, Waitline(1, 1))
    assert message in handlers.api_feedback(QUESTION, answer, vote)["error"]
    assert not settings.feedback_path.exists()


def test_the_feedback_api_and_the_thumbs_write_the_same_lines(settings):
    handlers = serving(settings, Waitline(1, 1))
    answer = handlers.api_answer(QUESTION)
    assert handlers.api_feedback(QUESTION, answer, "up") == {"ok": True}
    assert handlers.api_feedback(QUESTION, json.dumps(answer), "down") == {"ok": True}
    turns = [{"question": QUESTION, "answer": answer}]
    handlers.like(turns, gr.LikeData(None, {"index": 1, "value": "x", "liked": False}))
    lines = [json.loads(line) for line in settings.feedback_path.read_text().splitlines()]
    assert [line["vote"] for line in lines] == ["up", "down", "down"]
    assert {line["question"] for line in lines} == {QUESTION}
    assert all(line["citations"] == answer["citations"] for line in lines)
    assert lines[0].keys() == lines[2].keys()


def test_concurrent_api_votes_each_write_one_line(settings):
    handlers = serving(settings, Waitline(1, 1))
    answer = handlers.api_answer(QUESTION)
    votes = ["up", "down"] * 50
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda v: handlers.api_feedback(QUESTION, answer, v), votes))
    assert results == [{"ok": True}] * len(votes)
    lines = [json.loads(line) for line in settings.feedback_path.read_text().splitlines()]
    assert sorted(line["vote"] for line in lines) == sorted(votes)


def test_questions_and_answers_reach_the_logs_only_at_debug(settings, caplog):
    handlers = serving(settings, Waitline(slots=1, max_waiting=0))
    caplog.set_level(logging.DEBUG)
    answer = handlers.api_answer(QUESTION)
    list(handlers.respond(QUESTION, [], []))
    handlers.api_feedback(QUESTION, answer, "up")
    holder = handlers.line.join()  # the line is full now
    assert handlers.api_answer(QUESTION)["busy"]
    list(handlers.respond(QUESTION, [], []))
    holder.leave()
    list(handlers.respond("boom", [], []))  # a crash: its traceback is logged

    secrets = (QUESTION, answer["text"], "boom")
    above_debug = [r for r in caplog.records if r.levelno > logging.DEBUG]
    for record in above_debug:
        assert not any(s in record.getMessage() for s in secrets), record.getMessage()
    messages = [r.getMessage() for r in above_debug]
    assert sum(m.startswith("answered via") for m in messages) == 2
    assert sum(m.startswith("busy: turned a question away") for m in messages) == 2
    assert "feedback via api: up" in messages
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(QUESTION in m for m in debug) and any(answer["text"] in m for m in debug)

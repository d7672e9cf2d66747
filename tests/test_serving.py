"""Serving a team: the chat and the API in line for the model, busy answers, logs and feedback."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot import render
from bot.handlers import Handlers
from bot.loader import BotLoader
from bot.waitline import Waitline
from tests.test_ui import FakeBot, make_answer

QUESTION = "Combien de personnes Amazon veut-elle former ?"


def serving(settings, line: Waitline, serialised: bool = True) -> Handlers:
    """Handlers over a fake bot whose LLM, like the local one, answers one question at a time."""
    bot = FakeBot(make_answer())
    bot.generator = SimpleNamespace(serialise=True) if serialised else None
    loader = BotLoader(lambda: bot).start()
    assert loader.wait(10) is not None
    return Handlers(loader, settings, line)


def chat_text(step: tuple) -> str:
    return step[0][-1]["content"]


def test_a_full_line_answers_busy_at_once_and_gives_the_question_back(settings):
    line = Waitline(slots=1, max_waiting=0)
    holder = line.join()
    steps = list(serving(settings, line).respond(QUESTION, [], []))
    last = chat_text(steps[-1])
    assert last.startswith("⚠") and "The bot is busy" in last and "réessayez" in last
    chat, turns, box = steps[-1][:3]
    assert box["value"] == QUESTION and box["interactive"] is True
    assert "error" in turns[-1] and "answer" not in turns[-1]  # not used as history later
    assert line.stats()["turned_away"] == 1
    holder.leave()


def test_a_waiting_question_shows_its_place_then_is_answered(settings):
    line = Waitline(slots=1, max_waiting=3)
    holder, ahead = line.join(), line.join()
    holder.wait(0)
    steps = serving(settings, line).respond(QUESTION, [], [])
    assert chat_text(next(steps)) == "⌕ …"
    waiting = chat_text(next(steps))  # at once, not after a poll
    assert waiting == render.waiting_to_markdown(2, None)
    assert "1 ahead of you" in waiting and "1 avant vous" in waiting
    holder.leave()
    ahead.wait(0)
    assert "you are next" in chat_text(next(steps))
    ahead.leave()
    rest = list(steps)
    assert "**[1]**" in chat_text(rest[-1]) and rest[-1][2]["value"] == ""
    assert line.stats()["served"] == 3


def test_the_api_returns_a_busy_error_at_once(settings):
    line = Waitline(slots=1, max_waiting=0)
    holder = line.join()
    handlers = serving(settings, line)
    busy = handlers.api_answer(QUESTION)
    assert busy["busy"] is True and "try again in a moment" in busy["error"]
    assert set(busy) == {"error", "busy", "retry_after_s"}
    # bad input is refused for what it is, without queueing
    assert "busy" not in handlers.api_answer("   ") and "error" in handlers.api_answer("   ")
    assert "busy" not in handlers.api_answer(QUESTION, '[{"role": "robot"}]')
    holder.leave()
    assert handlers.api_answer(QUESTION)["citations"][0]["quote"] == "29 millions de personnes"


def test_the_line_gets_the_slots_of_the_built_bot(settings):
    line = Waitline(slots=1, max_waiting=3)
    handlers = serving(settings, line, serialised=False)  # no LLM: extracts run side by side
    handlers.api_answer(QUESTION)
    assert line.slots == settings.concurrency


def test_status_reports_the_line(settings):
    status = serving(settings, Waitline(slots=1, max_waiting=4)).status()
    assert status["ready"] in (True, False) and status["model"] == "fake"
    queue = status["queue"]
    assert (queue["slots"], queue["max_waiting"], queue["waiting"]) == (1, 4, 0)


@pytest.mark.parametrize("position", [1, 2, 5])
def test_waiting_and_busy_messages_read_in_both_languages(position):
    waiting = render.waiting_to_markdown(position, 42.0)
    assert waiting.startswith("◷") and "about 45 s" in waiting and "environ 45 s" in waiting
    busy = render.busy_to_markdown(130.0)
    assert "try again in a moment (about 3 min)" in busy and "réessayez dans un instant" in busy
    assert "(about" not in render.busy_to_markdown(None)
    assert "~" not in waiting + busy  # the chat's Markdown strikes text between single tildes

"""The web UI's event handlers: chat turns, sources, feedback and the JSON API.

Logs say what happened to each question (answered, turned away, refused) and how long it took,
never its text: questions and answers are logged at DEBUG only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import gradio as gr

from bot import feedback, priority, render
from bot.config import Settings
from bot.loader import LOAD_WAIT_S, BotLoader
from bot.pipeline import Bot
from bot.profile import Profile
from bot.types import BotError, Final
from bot.validate import clean_history, clean_question
from bot.waitline import Busy, Place, Waitline

log = logging.getLogger(__name__)

POLL_S = 1.0  # a waiting question's place and estimate are refreshed this often


def _log_answer(via: str, question: str, answer: dict[str, Any], place: Place) -> None:
    granted = place.granted if place.granted is not None else place.joined
    log.info(
        "answered via %s: %.2f s in line, %.2f s answering, %d citations, abstained=%s, model=%s",
        via,
        granted - place.joined,
        time.monotonic() - granted,
        len(answer.get("citations", [])),
        answer.get("abstained"),
        answer.get("model"),
    )
    log.debug("%s question: %r", via, question)
    log.debug("%s answer: %r", via, answer.get("text"))


def answer_limit(settings: Settings, bot: Bot | None = None) -> int:
    """Answers written at once: 1 if the bot's LLM is serialised, else settings.concurrency.

    A serialised LLM (local llama.cpp, behind the Generator's lock) writes one answer at a time;
    more slots would only move the wait from the waitline, which shows users their place, to that
    lock, which times out into extractive fallbacks. Until the bot is built the settings decide,
    by `load_generator`'s rule (only 'local' is serialised; should it fail to load, extracts run
    side by side).
    """
    if bot is None:
        serialised = settings.llm_spec.serialised
    else:
        serialised = bot.generator is not None and bot.generator.serialise
    return 1 if serialised else settings.concurrency


class Handlers:
    """The UI's event handlers, sharing the loader, the settings and the line to the model."""

    def __init__(
        self, loader: BotLoader, settings: Settings, line: Waitline, profile: Profile | None = None
    ) -> None:
        self.loader = loader
        self.settings = settings
        self.line = line
        self.profile = profile or Profile()

    def suggestions(self, language: str) -> list[str]:
        return self.profile.suggestions.get(language) or self.profile.suggestions.get("en", [])

    def _check(self, question: Any, history: list[dict[str, Any]] | None) -> None:
        """Bad input is answered at once, without queueing (the bot checks it again)."""
        clean_question(question, self.settings.max_question_chars)
        clean_history(history, self.settings.max_history_turns)

    def _join(self) -> Place:
        """A place in line for the model (Busy when the line is full)."""
        if self.loader.bot is not None:  # the built bot says whether its LLM is serialised
            self.line.slots = answer_limit(self.settings, self.loader.bot)
        return self.line.join()

    def _wait_for_bot(self) -> Iterator[str]:
        """Loading notices until the bot is built; BotError if it failed or takes too long."""
        for _ in range(int(LOAD_WAIT_S)):
            if self.loader.bot is not None or self.loader.error:
                break
            yield "⟳ The models are still loading; your question will be answered when ready…"
            self.loader.wait(1.0)
        if self.loader.bot is None:
            reason = self.loader.error or "they are still loading; please ask again in a minute"
            raise BotError(f"The models are not available ({reason}).")

    def replies(self, question: str, earlier: list[dict[str, Any]]) -> Iterator[tuple]:
        """(markdown, Answer | None, error) for each step: in line, loading, drafts, answer."""
        history = render.history_for_bot(earlier)
        try:
            self._check(question, history)
            with self._join() as place:
                poll = 0.0  # the first check does not wait: a queued question shows it at once
                while not place.wait(poll):
                    yield render.waiting_to_markdown(place.position(), place.estimate_s()), None, ""
                    poll = POLL_S
                place.timed = self.loader.warm
                for notice in self._wait_for_bot():
                    yield notice, None, ""
                bot = self.loader.bot
                assert bot is not None
                for event in priority.iterate(lambda: bot.stream(question, history)):
                    if isinstance(event, Final):
                        _log_answer("chat", question, event.answer.to_dict(), place)
                        a = event.answer
                        tips = self.suggestions(a.language)
                        yield render.answer_to_markdown(a, question, tips), a, ""
                    else:
                        yield render.draft_to_markdown(event.text), None, ""
        except Busy as exc:
            log.info("busy: turned a question away via chat")
            yield render.busy_to_markdown(exc.retry_after_s), None, str(exc)
        except BotError as exc:
            log.info("refused via chat: %s", type(exc).__name__)
            yield render.error_to_markdown(str(exc)), None, str(exc)
        except Exception:  # the user sees a short message; the traceback goes to the log
            log.exception("answering failed")
            msg = "Something went wrong while answering; it was logged. Please try again."
            yield render.error_to_markdown(msg), None, msg

    def respond(self, question: str, chat: list, turns: list) -> Iterator[tuple]:
        """Streams into the chat; outputs: chat, turns, input box, sources, shown, article.

        After an error (the line is full, say) the question is put back in the input box.
        """
        asked = [*chat, {"role": "user", "content": render.user_to_markdown(question)}]
        turn: dict[str, Any] = {"question": question}
        busy = gr.update(value="", interactive=False)
        keep = (gr.skip(), gr.skip(), gr.skip())
        reply, answer = "⌕ …", None
        yield [*asked, {"role": "assistant", "content": reply}], [*turns, turn], busy, *keep
        for reply, answer, error in self.replies(question, turns):
            shown_chat = [*asked, {"role": "assistant", "content": reply}]
            if error:
                turn["error"] = error
            if answer is None:
                yield shown_chat, [*turns, turn], busy, *keep
                continue
            turn["answer"] = answer.to_dict()
            panel = (
                render.sources_html(answer),
                [c.to_dict() for c in answer.citations],
                render.ARTICLE_HINT,
            )
            yield shown_chat, [*turns, turn], busy, *panel
        message: dict[str, Any] = {"role": "assistant", "content": reply}
        if options := render.followup_options(answer):
            message["options"] = options
        done = [*asked, message]
        box = gr.update(value=question if "error" in turn else "", interactive=True)
        yield done, [*turns, turn], box, *keep

    @staticmethod
    def pick(evt: gr.SelectData) -> str:
        """A clicked follow-up question, put in the input box to be asked."""
        return str(evt.value)

    def show_source(self, shown: list[dict[str, Any]], evt: gr.EventData) -> str:
        """The article with the clicked citation's span highlighted."""
        cite = (getattr(evt, "_data", None) or {}).get("cite")
        citation = next((c for c in shown if c["id"] == cite), None)
        return render.cited_article_html(self.settings.corpus_dir, citation)

    def like(self, turns: list[dict[str, Any]], data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        if not 0 <= index // 2 < len(turns):
            return
        line = feedback.record(turns[index // 2], data.liked, datetime.now(UTC))
        feedback.append(self.settings.feedback_path, line)
        log.info("feedback via chat: %s", line["vote"])

    def api_feedback(self, question: Any, answer: Any, vote: Any) -> dict[str, Any]:
        try:
            turn, liked = feedback.api_turn(question, answer, vote)
            feedback.append(
                self.settings.feedback_path, feedback.record(turn, liked, datetime.now(UTC))
            )
        except BotError as exc:
            return {"error": str(exc)}
        log.info("feedback via api: %s", vote)
        return {"ok": True}

    def api_answer(self, question: str, history: Any = None) -> dict[str, Any]:
        try:
            hist = render.parse_history(history)
            self._check(question, hist)
            with self._join() as place:
                while not place.wait(POLL_S):
                    pass
                place.timed = self.loader.warm
                bot = self.loader.wait(LOAD_WAIT_S)
                if bot is None:
                    return {"error": self.loader.error or "The models are still loading; retry."}
                payload = render.answer_payload(priority.call(lambda: bot.answer(question, hist)))
                _log_answer("api", question, payload, place)
                return payload
        except Busy as exc:
            log.info("busy: turned a question away via api")
            return {"error": str(exc), "busy": True, "retry_after_s": exc.retry_after_s}
        except BotError as exc:
            log.info("refused via api: %s", type(exc).__name__)
            return {"error": str(exc)}
        except Exception:
            log.exception("API answer failed")
            return {"error": "Internal error while answering; it was logged."}

    def status(self) -> dict[str, Any]:
        """The models' state and the line's (slots, answering, waiting, estimated wait…)."""
        return self.loader.state() | {"queue": self.line.stats()}

    def status_updates(self) -> Iterator[str]:
        """The loading status, streamed to each page as it changes, until loading is over."""
        shown = None
        for _ in range(int(LOAD_WAIT_S * 4)):
            if self.loader.status != shown:
                shown = self.loader.status
                yield shown
            if self.loader.done:
                return
            time.sleep(0.25)

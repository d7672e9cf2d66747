"""The web UI's event handlers: chat turns, sources, feedback and the JSON API."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import gradio as gr

from bot import render
from bot.config import Settings
from bot.loader import LOAD_WAIT_S, BotLoader
from bot.pipeline import Bot
from bot.types import Answer, BotError

log = logging.getLogger(__name__)


def answer_limit(settings: Settings, bot: Bot | None = None) -> int:
    """Answers Gradio runs at once: 1 if the bot's LLM is serialised, else settings.concurrency.

    A serialised LLM (local llama.cpp, behind the Generator's lock) writes one answer at a time;
    a higher limit only moves the wait from Gradio's queue, which shows users their place, to
    that lock, which times out into extractive fallbacks. Gradio fixes the limit when the page is
    built, usually before the bot has loaded: then the settings decide, by `load_generator`'s
    rule (only 'local' is serialised; should it fail to load, extracts run one at a time).
    """
    if bot is None:
        serialised = settings.llm.strip() in {"", "local"}
    else:
        serialised = bot.generator is not None and bot.generator.serialise
    return 1 if serialised else settings.concurrency


class Handlers:
    """The UI's event handlers, sharing the loader and settings."""

    def __init__(self, loader: BotLoader, settings: Settings) -> None:
        self.loader = loader
        self.settings = settings
        self._feedback_lock = threading.Lock()

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
        """(markdown, Answer | None, error) for each step: loading, drafts, final answer."""
        try:
            for notice in self._wait_for_bot():
                yield notice, None, ""
            assert self.loader.bot is not None
            for item in self.loader.bot.stream(question, render.history_for_bot(earlier)):
                if isinstance(item, Answer):
                    yield render.answer_to_markdown(item, question), item, ""
                else:
                    yield render.draft_to_markdown(item), None, ""
        except BotError as exc:
            yield render.error_to_markdown(str(exc)), None, str(exc)
        except Exception:  # the user sees a short message; the traceback goes to the log
            log.exception("answering failed")
            msg = "Something went wrong while answering; it was logged. Please try again."
            yield render.error_to_markdown(msg), None, msg

    def respond(self, question: str, chat: list, turns: list) -> Iterator[tuple]:
        """Streams into the chat; outputs: chat, turns, input box, sources, shown, article."""
        asked = [*chat, {"role": "user", "content": render.user_to_markdown(question)}]
        turn: dict[str, Any] = {"question": question}
        busy = gr.update(value="", interactive=False)
        keep = (gr.skip(), gr.skip(), gr.skip())
        reply = "⌕ …"
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
        done = [*asked, {"role": "assistant", "content": reply}]
        yield done, [*turns, turn], gr.update(interactive=True), *keep

    def show_source(self, shown: list[dict[str, Any]], evt: gr.EventData) -> str:
        """The article with the clicked citation's span highlighted."""
        cite = (getattr(evt, "_data", None) or {}).get("cite")
        citation = next((c for c in shown if c["id"] == cite), None)
        return render.cited_article_html(self.settings.corpus_dir, citation)

    def like(self, turns: list[dict[str, Any]], data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        if not 0 <= index // 2 < len(turns):
            return
        record = render.feedback_record(turns[index // 2], data.liked, datetime.now(UTC))
        path = self.settings.feedback_path
        with self._feedback_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def api_answer(self, question: str, history: Any = None) -> dict[str, Any]:
        try:
            hist = render.parse_history(history)
            bot = self.loader.wait(LOAD_WAIT_S)
            if bot is None:
                return {"error": self.loader.error or "The models are still loading; retry soon."}
            return render.answer_payload(bot.answer(question, hist))
        except BotError as exc:
            return {"error": str(exc)}
        except Exception:
            log.exception("API answer failed")
            return {"error": "Internal error while answering; it was logged."}

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

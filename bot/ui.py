"""The web UI: a thin Gradio adapter over ``Bot.stream``.

``create_app()`` builds the page, ``launch()`` serves it. What the page shows (chat Markdown, the
sources and article panels) is rendered by the pure functions of ``bot.render``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import gradio as gr

from bot import render
from bot.config import Settings, get_settings
from bot.pipeline import Bot, get_bot
from bot.types import Answer, BotError

log = logging.getLogger(__name__)

TITLE = "Amazon veut former 29 millions de personnes au cloud computing d’ici 2025"
LOAD_WAIT_S = 600.0  # a question asked during start-up waits this long for the models

# ---------------------------------------------------------------- background model loading


class BotLoader:
    """Builds the bot, then warms it up, in a daemon thread so the page comes up at once."""

    def __init__(self, factory: Callable[[], Bot]) -> None:
        self._factory = factory
        self._built = threading.Event()
        self.bot: Bot | None = None
        self.error = ""
        self.warm = False
        self.status = "⟳ Loading models… (the page works; questions wait for them)"

    def start(self) -> BotLoader:
        threading.Thread(target=self._run, name="bot-loader", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            self.bot = self._factory()
        except Exception as exc:  # shown on the page instead of a silently dead thread
            log.exception("loading the bot failed")
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = (
                f"✗ The models could not be loaded ({render.escape_markdown(self.error)})."
            )
            self._built.set()
            return
        name = render.escape_markdown(self.bot.model_name)
        self.status = f"⟳ Warming up {name}… (questions can already be asked)"
        self._built.set()
        try:
            self.bot.warm_up()
        except Exception:  # only the first answer gets slower; the bot itself works
            log.exception("warm-up failed")
        self.warm = True
        notices = "".join(f"\n\n⚠ {render.escape_markdown(n)}" for n in self.bot.notices)
        self.status = f"✓ Ready — model: {name}{notices}"

    def wait(self, timeout: float) -> Bot | None:
        """The bot once built (even if still warming up), else None after `timeout` seconds."""
        self._built.wait(timeout)
        return self.bot

    @property
    def done(self) -> bool:
        return self.warm or bool(self.error)

    def state(self) -> dict[str, Any]:
        model = self.bot.model_name if self.bot else None
        return {"ready": self.warm, "status": self.status, "model": model, "error": self.error}


# ---------------------------------------------------------------- event handlers


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


# ---------------------------------------------------------------- the page


def _api(handlers: Handlers, limit: int) -> None:
    """API-only endpoints, typed by their signatures (`gr.api`)."""

    def answer(question: str, history: list[dict[str, Any]] | str | None = None) -> dict:
        """Answer a question about the article; history is a list (or JSON) of messages."""
        return handlers.api_answer(question, history)

    def status() -> dict:
        """Whether the models are loaded and warmed up."""
        return handlers.loader.state()

    gr.api(answer, api_name="answer", concurrency_id="answer", concurrency_limit=limit)
    gr.api(status, api_name="status", concurrency_limit=None)


def _chat_column() -> tuple[gr.Chatbot, gr.Textbox, gr.Button]:
    chat = gr.Chatbot(
        elem_id="chat",
        label="Chat",
        height=520,
        latex_delimiters=[],  # nothing to typeset; user text must not become KaTeX
        placeholder="Posez une question sur l’article, en français ou en anglais. / "
        "Ask about the article, in French or English.",
        buttons=["copy", "copy_all"],  # no share button: the app is meant to stay local
    )
    with gr.Row():
        box = gr.Textbox(
            elem_id="question",
            show_label=False,
            placeholder="Votre question… / Your question…",
            scale=5,
            max_lines=4,
        )
        send = gr.Button("Send", elem_id="send", variant="primary", scale=1, min_width=80)
    gr.Examples(render.EXAMPLES, inputs=box, label="Exemples / Examples")
    return chat, box, send


def create_app(bot: Bot | Callable[[], Bot] = get_bot) -> gr.Blocks:
    """The page, for a built bot or a factory that starts loading it in the background now."""
    settings = get_settings()
    if callable(bot):
        loader, limit = BotLoader(bot), answer_limit(settings)
    else:  # a built bot says itself whether its LLM is serialised
        given = bot
        loader, limit = BotLoader(lambda: given), answer_limit(settings, given)
    handlers = Handlers(loader.start(), settings)
    with gr.Blocks(title="Cloud career bot", analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers cite verbatim passages of the article (Dec. 2020).")
        status = gr.Markdown(handlers.loader.status, elem_id="status")
        turns, shown = gr.State([]), gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat, box, send = _chat_column()
            with gr.Column(scale=2):
                sources = gr.HTML(
                    render.sources_html(None),
                    elem_id="sources",
                    js_on_load=render.SOURCES_JS,
                    css_template=render.SOURCES_CSS,
                )
                article = gr.HTML(
                    render.ARTICLE_HINT,
                    elem_id="article",
                    js_on_load=render.ARTICLE_JS,
                    css_template=render.ARTICLE_CSS,
                    max_height=420,
                    container=True,
                    padding=True,
                )
        outputs = [chat, turns, box, sources, shown, article]
        gr.on(
            [box.submit, send.click],
            handlers.respond,
            [box, chat, turns],
            outputs,
            api_name="chat",
            api_visibility="private",
            concurrency_id="answer",
            concurrency_limit=limit,
            trigger_mode="once",  # one answer at a time per page: ignore clicks meanwhile
            show_progress="minimal",
        )
        sources.click(handlers.show_source, shown, article, api_visibility="private")
        chat.like(handlers.like, turns, None, api_visibility="private")
        # The chat's own clear button empties the chat; the turns behind it must follow.
        chat.clear(
            lambda: ([], [], render.sources_html(None), render.ARTICLE_HINT),
            None,
            [turns, shown, sources, article],
            api_visibility="private",
        )
        demo.load(
            handlers.status_updates,
            None,
            status,
            api_name="status_updates",
            api_visibility="private",
            concurrency_limit=None,  # one cheap waiting thread per page while models load
            show_progress="hidden",
        )
        _api(handlers, limit)
    return demo


def _theme() -> gr.themes.Base:
    """Gradio's default look, with bold text from the full Bold font: the SemiBold file in the
    gradio wheel is a 5 KB subset, so headings fell back to another font letter by letter."""
    font = gr.themes.LocalFont("Source Sans Pro", weights=(400, 700))
    return gr.themes.Default(font=[font, "ui-sans-serif", "system-ui", "sans-serif"])


def launch() -> None:
    """Serve the UI on settings.host:port (loopback and no public link unless configured)."""
    settings = get_settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    demo = create_app()
    # Cheap events (source clicks, likes, status) run side by side; answers have their own limit.
    demo.queue(default_concurrency_limit=settings.concurrency)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=settings.share,
        theme=_theme(),
        footer_links=["api"],
    )

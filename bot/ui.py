"""The web UI: a thin Gradio adapter over ``Bot.stream``.

``create_app()`` builds the page, ``launch()`` serves it. Its event handlers are in
``bot.handlers``; what the page shows (chat Markdown, the sources and article panels) is rendered
by the pure functions of ``bot.render``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from bot import auth, panels, render
from bot.build import get_bot
from bot.config import Settings, get_settings
from bot.handlers import Handlers, answer_limit
from bot.loader import BotLoader
from bot.pipeline import Bot
from bot.profile import Profile, load_profile
from bot.types import BotError
from bot.waitline import Waitline

log = logging.getLogger(__name__)

GRADIO_THREADS = 40  # Gradio's default worker threads, kept free for everything but answers
GRADIO_BACKLOG = 256  # events waiting for a worker thread before Gradio answers HTTP 503
SIGN_IN_MESSAGE = (
    "Connectez-vous avec le compte que votre organisation vous a donné. / "
    "Sign in with the account your organisation gave you."
)

# ---------------------------------------------------------------- the page


def _api(handlers: Handlers) -> None:
    """API-only endpoints, typed by their signatures (`gr.api`)."""

    def answer(question: str, history: list[dict[str, Any]] | str | None = None) -> dict:
        """Answer a question about the article; history is a list (or JSON) of messages.
        When too many questions wait, returns {"error": ..., "busy": true} at once."""
        return handlers.api_answer(question, history)

    def status() -> dict:
        """Whether the models are loaded and warmed up, and how many questions wait."""
        return handlers.status()

    def feedback(question: str, answer: dict[str, Any] | str, vote: str) -> dict:
        """Record a vote, 'up' or 'down', on an answer as /answer returned it (or its JSON).
        Returns {"ok": true}, or {"error": ...}."""
        return handlers.api_feedback(question, answer, vote)

    gr.api(answer, api_name="answer", concurrency_limit=None)  # the waitline limits answers
    gr.api(status, api_name="status", concurrency_limit=None)
    gr.api(feedback, api_name="feedback")


def _chat_column(examples: Sequence[str]) -> tuple[gr.Chatbot, gr.Textbox, gr.Button]:
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
    if examples:
        gr.Examples(list(examples), inputs=box, label="Exemples / Examples")
    return chat, box, send


def _profile(settings: Settings) -> Profile:
    """The corpus profile for the page's wording (an unreadable one is logged, not fatal)."""
    try:
        return load_profile(settings.corpus_dir)
    except BotError as exc:
        log.warning("corpus profile not used: %s", exc)
        return Profile()


def create_app(bot: Bot | Callable[[], Bot] = get_bot, line: Waitline | None = None) -> gr.Blocks:
    """The page, for a built bot or a factory that starts loading it in the background now.

    Answers wait in ``line`` (by default one of BOT_QUEUE_MAX places), shared by the chat and the
    API; Gradio runs their events at once (no concurrency limit), so the line alone decides who
    waits, who is turned away, and what a waiting user is told.
    """
    settings = get_settings()
    if callable(bot):
        loader, limit = BotLoader(bot), answer_limit(settings)
    else:  # a built bot says itself whether its LLM is serialised
        given = bot
        loader, limit = BotLoader(lambda: given), answer_limit(settings, given)
    line = line or Waitline(limit, settings.queue_max)
    profile = _profile(settings)
    handlers = Handlers(loader.start(), settings, line, profile)
    title = profile.text("title", "fr") or "Cloud career bot"
    with gr.Blocks(title="Cloud career bot", analytics_enabled=False) as demo:
        gr.Markdown(f"## {render.escape_markdown(title)}\nAnswers cite verbatim passages of the "
                    "article.")  # fmt: skip
        status = gr.Markdown(handlers.loader.status, elem_id="status")
        turns, shown = gr.State([]), gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat, box, send = _chat_column(profile.examples)
            with gr.Column(scale=2):
                sources = gr.HTML(
                    render.sources_html(None),
                    elem_id="sources",
                    js_on_load=panels.SOURCES_JS,
                    css_template=panels.SOURCES_CSS,
                )
                article = gr.HTML(
                    render.ARTICLE_HINT,
                    elem_id="article",
                    js_on_load=panels.ARTICLE_JS,
                    css_template=panels.ARTICLE_CSS,
                    max_height=420,
                    container=True,
                    padding=True,
                )
        outputs = [chat, turns, box, sources, shown, article]
        ask = {
            "fn": handlers.respond,
            "inputs": [box, chat, turns],
            "outputs": outputs,
            "api_visibility": "private",
            "concurrency_limit": None,  # the waitline limits answers
            "show_progress": "minimal",
        }
        # trigger_mode "once": one answer at a time per page, clicks meanwhile are ignored.
        gr.on([box.submit, send.click], **ask, api_name="chat", trigger_mode="once")
        # A follow-up suggestion under an answer is asked as the next question.
        chat.option_select(handlers.pick, None, box, api_visibility="private").then(**ask)
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
        _api(handlers)
    return demo


def _theme() -> gr.themes.Base:
    """Gradio's default look, with bold text from the full Bold font: the SemiBold file in the
    gradio wheel is a 5 KB subset, so headings fell back to another font letter by letter."""
    font = gr.themes.LocalFont("Source Sans Pro", weights=(400, 700))
    return gr.themes.Default(font=[font, "ui-sans-serif", "system-ui", "sans-serif"])


def launch() -> None:
    """Serve the UI on settings.host:port (loopback and no public link unless configured).

    Exits with a message, before any model loads, when BOT_AUTH is unusable or when the page
    would be reachable from other machines without sign-in (unless BOT_ALLOW_ANONYMOUS=true).
    """
    settings = get_settings()
    # DEBUG is for this app's own records (questions and answers); libraries stay at INFO.
    root_level = "INFO" if settings.log_level == "DEBUG" else settings.log_level
    logging.basicConfig(level=root_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot").setLevel(settings.log_level)
    try:
        users = auth.users_for(
            settings.auth.get_secret_value(),
            settings.host,
            settings.share,
            settings.allow_anonymous,
        )
    except auth.AuthError as exc:
        sys.exit(f"error: {exc}")
    if users is None and (settings.share or not auth.is_loopback(settings.host)):
        log.warning("serving beyond loopback without sign-in (BOT_ALLOW_ANONYMOUS=true)")
    demo = create_app()
    # Cheap events (source clicks, likes) run side by side; answers wait in the waitline, each
    # holding a worker thread, so there are threads for all of them and for the cheap events.
    # Gradio's own queue then only holds events waiting for a thread; its bound is a backstop.
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=GRADIO_BACKLOG)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=settings.share,
        theme=_theme(),
        footer_links=["api"],
        max_threads=GRADIO_THREADS + settings.concurrency + settings.queue_max,
        auth=users.signs_in if users else None,  # type: ignore[arg-type]  # awaited by Gradio
        auth_message=SIGN_IN_MESSAGE,
    )

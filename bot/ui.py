"""The web UI: a thin Gradio adapter over ``Bot.stream``.

``create_app()`` builds the page, ``launch()`` serves it. Turning an ``Answer`` into chat and
panel content is done by the pure functions at the top, which are unit-tested on their own.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from bot.config import Settings, get_settings
from bot.pipeline import Bot, get_bot
from bot.types import Answer, BotError

log = logging.getLogger(__name__)

TITLE = "Amazon veut former 29 millions de personnes au cloud computing d’ici 2025"
EXAMPLES = [
    "Combien de personnes Amazon veut-elle former d’ici 2025 ?",
    "Comment Jarred Gaines s’est-il reconverti dans le cloud ?",
    "Why is Amazon launching this cloud training programme?",
    "What job did Jarred Gaines get after his cloud course?",
]
LABELS = {
    "fr": {
        "abstain": "⊘ **L’article ne répond pas à cette question.**",
        "abstain_note": "Ce qui suit n’est pas une réponse, seulement le passage le plus proche.",
        "suggest": "Questions auxquelles l’article répond :",
        "searched": "recherché",
        "model": "modèle",
        "paragraph": "paragraphe",
        "show": "Voir dans l’article",
        "sources": "Sources",
        "closest": "Passage le plus proche (pas une réponse)",
    },
    "en": {
        "abstain": "⊘ **The article does not answer this.**",
        "abstain_note": "What follows is not an answer, only the closest passage.",
        "suggest": "Questions the article does answer:",
        "searched": "searched",
        "model": "model",
        "paragraph": "paragraph",
        "show": "Show in the article",
        "sources": "Sources",
        "closest": "Closest passage (not an answer)",
    },
}
SUGGESTIONS = {
    "fr": [EXAMPLES[0], EXAMPLES[1], "Pourquoi Amazon lance-t-elle ce programme ?"],
    "en": [
        "How many people does Amazon want to train by 2025?",
        EXAMPLES[3],
        EXAMPLES[2],
    ],
}
MARK_ID = "cited-span"
LOAD_WAIT_S = 600.0  # a question asked during start-up waits this long for the models

# ---------------------------------------------------------------- pure rendering helpers

_MD_PUNCT = re.compile(r"([\\`*_\[\]()!#|~{}$])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")


def escape_html(text: str) -> str:
    """HTML-escape, also `$ { } \\``: gr.HTML evaluates its template as a JS template string."""
    out = html.escape(text, quote=True)
    return (
        out.replace("$", "&#36;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("`", "&#96;")
    )


def escape_markdown(text: str) -> str:
    """Text shown literally by the chat's Markdown renderer: no HTML, links, images or LaTeX."""
    out = html.escape(_MD_PUNCT.sub(r"\\\1", text), quote=False)
    # Bare URLs are autolinked by GFM; an entity for ':' or '.' breaks the pattern, not the text.
    out = re.sub(r"(?i)(\w)://", r"\1&#58;//", out)
    return re.sub(r"(?i)\bwww\.", "www&#46;", out)


def _labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def _same_question(question: str, standalone: str) -> bool:
    return " ".join(question.split()).casefold() == " ".join(standalone.split()).casefold()


def text_with_markers(text: str) -> str:
    """Escaped answer text whose [n] markers stand out (bold) and still read as [n]."""
    return _MARKER.sub(r"**[\1]**", escape_markdown(text))


def _footer(answer: Answer, question: str) -> list[str]:
    lab = _labels(answer.language)
    lines = [f"> ⚠ {escape_markdown(n)}" for n in answer.notices]
    meta = []
    if (
        question
        and answer.standalone_question
        and not _same_question(question, answer.standalone_question)
    ):
        meta.append(f"⌕ {lab['searched']}: “{escape_markdown(answer.standalone_question)}”")
    if answer.model:
        meta.append(f"⚙ {lab['model']}: {escape_markdown(answer.model)}")
    if meta:
        lines.append("<sub>" + " · ".join(meta) + "</sub>")
    return lines


def answer_to_markdown(answer: Answer, question: str = "") -> str:
    """The final chat message: text with [n] markers, then notices, what was searched, model."""
    lab = _labels(answer.language)
    parts = []
    if answer.abstained:
        suggestions = "\n".join(
            f"- {escape_markdown(q)}" for q in SUGGESTIONS.get(answer.language, SUGGESTIONS["en"])
        )
        parts += [
            lab["abstain"],
            f"> *{lab['abstain_note']}*\n>\n> {text_with_markers(answer.text)}",
        ]
        parts.append(f"**{lab['suggest']}**\n{suggestions}")
    else:
        parts.append(text_with_markers(answer.text))
    parts += _footer(answer, question)
    return "\n\n".join(parts)


def draft_to_markdown(draft: str) -> str:
    """A streamed draft: its markers are not verified yet, so they are shown plainly."""
    return escape_markdown(draft.strip()) + " ✎"


def error_to_markdown(message: str) -> str:
    return f"⚠ {escape_markdown(message)}"


def user_to_markdown(question: str) -> str:
    return escape_markdown(question)


def sources_html(answer: Answer | None) -> str:
    """The sources panel: per citation its [n], the quote, its paragraph and a show button."""
    if answer is None or not answer.citations:
        return '<p class="empty">Sources of the latest answer appear here.</p>'
    lab = _labels(answer.language)
    heading = lab["closest"] if answer.abstained else lab["sources"]
    items = [
        f'<li class="source" id="source-{c.id}"><span class="cite-id">[{c.id}]</span> '
        f'<q class="quote">{escape_html(c.quote)}</q>'
        f'<div class="meta">{lab["paragraph"]} {c.paragraph} · {escape_html(c.source)}</div>'
        f'<button type="button" class="show-source" data-cite="{c.id}">{lab["show"]}</button>'
        "</li>"
        for c in answer.citations
    ]
    return f'<h3>{heading}</h3><ol class="sources">{"".join(items)}</ol>'


def article_html(text: str, start: int, end: int) -> str:
    """The whole article, escaped, with text[start:end] wrapped in <mark id=MARK_ID>."""
    if not 0 <= start < end <= len(text):
        return f'<div class="article">{escape_html(text)}</div>'
    before, span, after = text[:start], text[start:end], text[end:]
    return (
        f'<div class="article">{escape_html(before)}'
        f'<mark id="{MARK_ID}">{escape_html(span)}</mark>{escape_html(after)}</div>'
    )


def answer_payload(answer: Answer) -> dict[str, Any]:
    """The JSON returned by the `answer` API endpoint."""
    return answer.to_dict()


def feedback_record(turn: dict[str, Any], liked: Any, now: datetime) -> dict[str, Any]:
    """One JSON line of feedback for a chat turn (question, answer, citations, vote, time)."""
    answer = turn.get("answer") or {}
    vote = {True: "up", False: "down", None: "none"}.get(liked, str(liked))
    return {
        "time": now.isoformat(timespec="seconds"),
        "vote": vote,
        "question": turn.get("question", ""),
        "answer": answer.get("text", turn.get("error", "")),
        "citations": answer.get("citations", []),
        "abstained": answer.get("abstained"),
        "language": answer.get("language"),
        "model": answer.get("model"),
    }


def history_for_bot(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Earlier answered turns as messages (raw text, not the escaped chat display)."""
    messages = []
    for turn in turns:
        if turn.get("answer"):
            messages.append({"role": "user", "content": turn["question"]})
            messages.append({"role": "assistant", "content": turn["answer"]["text"]})
    return messages


def parse_history(history: Any) -> list[dict[str, Any]] | None:
    """API history: a list, a JSON string of a list, or empty. Raises BotError otherwise."""
    if history is None or history == "" or history == []:
        return None
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError as exc:
            raise BotError(f"history is not valid JSON: {exc.msg}") from exc
    if not isinstance(history, list):
        raise BotError("history must be a JSON list of {'role', 'content'} messages.")
    return history


def read_source(corpus_dir: Path, source: str) -> str:
    """A corpus file's text; refuses names that leave the corpus directory."""
    root = corpus_dir.resolve()
    path = (root / source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise BotError(f"Unknown source: {source}")
    return path.read_text(encoding="utf-8")


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
            self.status = f"✗ The models could not be loaded ({escape_markdown(self.error)})."
            self._built.set()
            return
        name = escape_markdown(self.bot.model_name)
        self.status = f"⟳ Warming up {name}… (questions can already be asked)"
        self._built.set()
        try:
            self.bot.warm_up()
        except Exception:  # only the first answer gets slower; the bot itself works
            log.exception("warm-up failed")
        self.warm = True
        notices = "".join(f"\n\n⚠ {escape_markdown(n)}" for n in self.bot.notices)
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

SOURCES_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-cite]');
  if (button) trigger('click', {cite: Number(button.dataset.cite)});
});
"""
# Runs after each re-render of the article panel: scroll the panel to the highlighted span
# (a third from its top), then the page only as much as needed to show it.
ARTICLE_JS = f"""
watch('value', () => {{
  const mark = element.querySelector('#{MARK_ID}');
  if (!mark) return;
  let box = element.parentElement;
  while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowY)) {{
    box = box.parentElement;
  }}
  if (box) {{
    const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += offset - box.clientHeight / 3;
  }}
  mark.scrollIntoView({{block: 'nearest', behavior: 'instant'}});
}});
"""
SOURCES_CSS = """
h3 { margin: 0 0 .5em; font-size: 1.05em; }
ol.sources { list-style: none; padding: 0; margin: 0; }
li.source { border: 1px solid var(--border-color-primary); border-radius: 8px;
            padding: .6em .8em; margin-bottom: .6em; }
.cite-id { font-weight: 700; }
.quote { font-style: italic; }
.meta { color: var(--body-text-color-subdued); font-size: .85em; margin: .3em 0; }
.show-source { cursor: pointer; font-size: .85rem; font-weight: 600; padding: .2em .7em;
               border: 1px solid var(--border-color-accent); border-radius: 6px;
               background: var(--button-secondary-background-fill); }
.empty { color: var(--body-text-color-subdued); }
"""
ARTICLE_CSS = """
.article { white-space: pre-wrap; line-height: 1.55; }
mark { background: #ffe066; color: #111; padding: 0 .1em; border-radius: 3px;
       outline: 2px solid #f59f00; }
"""
ARTICLE_HINT = (
    '<p class="empty">Cliquez sur « Voir dans l’article » à côté d’une source pour la lire dans '
    "son contexte. / Click “Show in the article” on a source to read it in context.</p>"
)


def _answer_limit(settings: Settings) -> int:
    """The local LLM runs one answer at a time (behind a lock): more concurrent answers would
    only wait on that lock and time out into extractive fallbacks, while Gradio's queue shows
    waiting users their place. Remote providers and extracts can run in parallel."""
    return 1 if settings.llm.strip() in {"", "local"} else settings.concurrency


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
            for item in self.loader.bot.stream(question, history_for_bot(earlier)):
                if isinstance(item, Answer):
                    yield answer_to_markdown(item, question), item, ""
                else:
                    yield draft_to_markdown(item), None, ""
        except BotError as exc:
            yield error_to_markdown(str(exc)), None, str(exc)
        except Exception:  # the user sees a short message; the traceback goes to the log
            log.exception("answering failed")
            msg = "Something went wrong while answering; it was logged. Please try again."
            yield error_to_markdown(msg), None, msg

    def respond(self, question: str, chat: list, turns: list) -> Iterator[tuple]:
        """Streams into the chat; outputs: chat, turns, input box, sources, shown, article."""
        asked = [*chat, {"role": "user", "content": user_to_markdown(question)}]
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
            panel = (sources_html(answer), [c.to_dict() for c in answer.citations], ARTICLE_HINT)
            yield shown_chat, [*turns, turn], busy, *panel
        done = [*asked, {"role": "assistant", "content": reply}]
        yield done, [*turns, turn], gr.update(interactive=True), *keep

    def show_source(self, shown: list[dict[str, Any]], evt: gr.EventData) -> str:
        """The article with the clicked citation's span highlighted."""
        cite = getattr(evt, "_data", None) or {}
        match = [c for c in shown if c["id"] == cite.get("cite")]
        if not match:
            return ARTICLE_HINT
        c = match[0]
        try:
            text = read_source(self.settings.corpus_dir, c["source"])
        except (BotError, OSError) as exc:
            return f'<p class="empty">{escape_html(str(exc))}</p>'
        if text[c["start"] : c["end"]] != c["quote"]:  # the file changed since the answer
            return '<p class="empty">The article changed; this quote is no longer in it.</p>'
        return article_html(text, c["start"], c["end"])

    def like(self, turns: list[dict[str, Any]], data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        if not 0 <= index // 2 < len(turns):
            return
        record = feedback_record(turns[index // 2], data.liked, datetime.now(UTC))
        path = self.settings.feedback_path
        with self._feedback_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def api_answer(self, question: str, history: Any = None) -> dict[str, Any]:
        try:
            hist = parse_history(history)
            bot = self.loader.wait(LOAD_WAIT_S)
            if bot is None:
                return {"error": self.loader.error or "The models are still loading; retry soon."}
            return answer_payload(bot.answer(question, hist))
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
    gr.Examples(EXAMPLES, inputs=box, label="Exemples / Examples")
    return chat, box, send


def create_app(bot_factory: Callable[[], Bot] = get_bot) -> gr.Blocks:
    """The page; the bot loads in the background from the moment this is called."""
    settings = get_settings()
    handlers = Handlers(BotLoader(bot_factory).start(), settings)
    limit = _answer_limit(settings)
    with gr.Blocks(title="Cloud career bot", analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers cite verbatim passages of the article (Dec. 2020).")
        status = gr.Markdown(handlers.loader.status, elem_id="status")
        turns, shown = gr.State([]), gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat, box, send = _chat_column()
            with gr.Column(scale=2):
                sources = gr.HTML(
                    sources_html(None),
                    elem_id="sources",
                    js_on_load=SOURCES_JS,
                    css_template=SOURCES_CSS,
                )
                article = gr.HTML(
                    ARTICLE_HINT,
                    elem_id="article",
                    js_on_load=ARTICLE_JS,
                    css_template=ARTICLE_CSS,
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
            lambda: ([], [], sources_html(None), ARTICLE_HINT),
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

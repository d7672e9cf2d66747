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
        "abstain": "🤷 **L’article ne répond pas à cette question.**",
        "abstain_note": "Ce qui suit n’est pas une réponse, seulement le passage le plus proche.",
        "suggest": "Questions auxquelles l’article répond :",
        "searched": "recherché",
        "model": "modèle",
        "paragraph": "paragraphe",
        "show": "Voir dans l’article",
    },
    "en": {
        "abstain": "🤷 **The article does not answer this.**",
        "abstain_note": "What follows is not an answer, only the closest passage.",
        "suggest": "Questions the article does answer:",
        "searched": "searched",
        "model": "model",
        "paragraph": "paragraph",
        "show": "Show in the article",
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
    lines = [f"> ⚠️ {escape_markdown(n)}" for n in answer.notices]
    meta = []
    if (
        question
        and answer.standalone_question
        and not _same_question(question, answer.standalone_question)
    ):
        meta.append(f"🔎 {lab['searched']}: “{escape_markdown(answer.standalone_question)}”")
    if answer.model:
        meta.append(f"🤖 {lab['model']}: {escape_markdown(answer.model)}")
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
    return escape_markdown(draft.strip()) + " ✍️"


def error_to_markdown(message: str) -> str:
    return f"⚠️ {escape_markdown(message)}"


def user_to_markdown(question: str) -> str:
    return escape_markdown(question)


def sources_html(answer: Answer | None) -> str:
    """The sources panel: per citation its [n], the quote, its paragraph and a show button."""
    if answer is None or not answer.citations:
        return '<p class="empty">Sources of the latest answer appear here.</p>'
    lab = _labels(answer.language)
    heading = "Closest passage (not an answer)" if answer.abstained else "Sources"
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
        self.status = "⏳ Loading models… (the page works; questions wait for them)"

    def start(self) -> BotLoader:
        threading.Thread(target=self._run, name="bot-loader", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            self.bot = self._factory()
            self.status = f"⏳ Warming up {self.bot.model_name}… (questions can already be asked)"
            self._built.set()
            self.bot.warm_up()
            self.warm = True
            self.status = f"✅ Ready — model: {self.bot.model_name}"
            self.status += "".join(f"\n\n⚠️ {n}" for n in self.bot.notices)
        except Exception as exc:  # shown on the page instead of a dead thread
            log.exception("loading the bot failed")
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = f"❌ The models could not be loaded ({self.error})."
            self._built.set()

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

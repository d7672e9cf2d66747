"""Pure rendering for the web UI: an ``Answer`` as chat Markdown, its sources and the article
as HTML, API payloads. No Gradio here, so all of it is unit-tested on its own.

The JS and CSS of the two HTML panels, which act on this markup, are in ``bot.panels``.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.types import Answer, BotError

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
        "shows": "Ce que montre l’article",
        "not_said": "Ce que l’article ne dit pas",
        "followups": "Pour aller plus loin :",
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
        "shows": "What the article shows",
        "not_said": "What the article does not say",
        "followups": "To go further:",
    },
}
MARK_ID = "cited-span"  # the highlighted span in the article panel
ARTICLE_HINT = (
    '<p class="empty">Cliquez sur « Voir dans l’article » à côté d’une source pour la lire dans '
    "son contexte. / Click “Show in the article” on a source to read it in context.</p>"
)

# ---------------------------------------------------------------- chat Markdown

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


def answer_to_markdown(answer: Answer, question: str = "", suggestions: Sequence[str] = ()) -> str:
    """The final chat message: text with [n] markers, then notices, what was searched, model.

    An abstention is marked as such and lists ``suggestions``, questions the corpus answers.
    """
    lab = _labels(answer.language)
    parts = []
    if answer.abstained:
        parts += [
            lab["abstain"],
            f"> *{lab['abstain_note']}*\n>\n> {text_with_markers(answer.text)}",
        ]
        if suggestions:
            listed = "\n".join(f"- {escape_markdown(q)}" for q in suggestions)
            parts.append(f"**{lab['suggest']}**\n{listed}")
    elif answer.kind == "advice" and answer.parts:
        parts += [f"**{lab[p.role]}**\n\n{text_with_markers(p.text)}" for p in answer.parts]
    else:
        if answer.short:  # the bare answer, copied from the quote below it
            parts.append(f"**{escape_markdown(answer.short)}**")
        parts.append(text_with_markers(answer.text))
    parts += _footer(answer, question)
    return "\n\n".join(parts)


def followup_options(answer: Answer | None) -> list[dict[str, str]]:
    """Follow-up questions as the chat message's clickable options (sent as new questions)."""
    if answer is None:
        return []
    return [{"label": q, "value": q} for q in answer.followups]


def draft_to_markdown(draft: str) -> str:
    """A streamed draft: its markers are not verified yet, so they are shown plainly."""
    return escape_markdown(draft.strip()) + " ✎"


def _about(seconds: float) -> str:
    if seconds < 60:
        return f"{max(5, math.ceil(seconds / 5) * 5)} s"
    return f"{math.ceil(seconds / 60)} min"


def waiting_to_markdown(position: int, estimate_s: float | None) -> str:
    """A question waiting for the model: how many are ahead of it and, once known, how long."""
    n = max(0, position - 1)
    fr, en = (
        (f"{n} avant vous", f"{n} ahead of you")
        if n
        else ("votre tour est le prochain", "you are next")
    )
    if estimate_s:
        fr, en = f"{fr}, environ {_about(estimate_s)}", f"{en}, about {_about(estimate_s)}"
    return f"◷ **En attente** ({fr}) / **Waiting** ({en})…"


def busy_to_markdown(retry_after_s: float | None) -> str:
    """The line is full: try again in a moment (the question is put back in the input box)."""
    fr, en = "", ""
    if retry_after_s:  # no '~': Markdown would strike the text through
        fr, en = f" (environ {_about(retry_after_s)})", f" (about {_about(retry_after_s)})"
    return (
        f"⚠ **Trop de questions en attente**, réessayez dans un instant{fr}. / **The bot is "
        f"busy**: too many questions are waiting. Please try again in a moment{en}."
    )


def error_to_markdown(message: str) -> str:
    return f"⚠ {escape_markdown(message)}"


def user_to_markdown(question: str) -> str:
    return escape_markdown(question)


# ---------------------------------------------------------------- panels, API and feedback


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


def cited_article_html(corpus_dir: Path, citation: dict[str, Any] | None) -> str:
    """The article panel for a clicked citation (a ``Citation.to_dict()``): its span marked."""
    if citation is None:
        return ARTICLE_HINT
    c = citation
    try:
        text = read_source(corpus_dir, c["source"])
    except (BotError, OSError) as exc:
        return f'<p class="empty">{escape_html(str(exc))}</p>'
    if text[c["start"] : c["end"]] != c["quote"]:  # the file changed since the answer
        return '<p class="empty">The article changed; this quote is no longer in it.</p>'
    return article_html(text, c["start"], c["end"])

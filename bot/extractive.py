"""Answers without an LLM: the best-supported retrieved sentences, quoted verbatim."""

from __future__ import annotations

from collections.abc import Sequence

from bot.language import LANGUAGE_NAMES
from bot.qtype import asked, holds
from bot.retrieve import Passage
from bot.text import tokens

# Below this cosine and with no shared word, nothing retrieved is about the question (MiniLM's
# scale; an embedder may give its own, as ``unrelated_below``).
MIN_DENSE = 0.30

LEAD = {
    "fr": "D’après l’article : « {quote} » [1]",
    "en": "The article says (in {source}): « {quote} » [1]",
}
LEAD_TWO = {
    "fr": " Il précise aussi : « {quote} » [2]",
    "en": " It adds: « {quote} » [2]",
}


def relevance(question: str, passage: Passage) -> float:
    q = set(tokens(question))
    overlap = len(q & set(tokens(passage.text))) / len(q) if q else 0.0
    return overlap + passage.dense


def select(
    question: str, passages: Sequence[Passage], limit: int = 2, min_dense: float = MIN_DENSE
) -> list[Passage]:
    """The passages that best answer the question; empty when none plausibly does."""
    if not passages:
        return []
    ranked = sorted(passages, key=lambda p: -relevance(question, p))
    kind = asked(question)
    if kind:  # a question asking for a figure, a date or a name needs a sentence that holds one
        ranked = [p for p in ranked if holds(kind, p.text)]
    if not ranked:
        return []
    best = ranked[0]
    if best.lexical <= 0 and best.dense < min_dense:
        return []
    chosen = [best]
    for p in ranked[1:limit]:
        if relevance(question, p) >= 0.8 * relevance(question, best):
            chosen.append(p)
    return chosen


def compose(chosen: Sequence[Passage], language: str, source_language: str = "fr") -> str:
    lang = language if language in LEAD else "en"
    source = LANGUAGE_NAMES.get(source_language, source_language)
    text = LEAD[lang].format(quote=chosen[0].text, source=source)
    if len(chosen) > 1:
        text += LEAD_TWO[lang].format(quote=chosen[1].text)
    return text

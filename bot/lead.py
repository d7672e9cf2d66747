"""The short direct answer above the quote: a span copied from the evidence, never written.

The candidate spans of the best sentence (in the answer's language: the sentence itself or its
checked translation) are its figures with what they count, its names, and its clauses. The
model chooses among them by its probabilities, in the same conversation where it chose the
sentence ("[7] «…"): a token trie over the spans, so it can only pick words the sentence has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

from bot.facts import NUMBER, inner_names
from bot.llm import Generator
from bot.text import STOPWORDS, fold

# Clause boundaries: punctuation, and the words that open a new clause.
CLAUSE = re.compile(
    r"\s*[,;:«»“”\"()]\s*|\s+(?=(?:mais|qui|dont|où|et|car|but|which|who|where|and|while)\s)",
    re.I,
)
# What a figure counts: the word after it, past a "de" / "of" ("29 millions de personnes",
# "12 weeks"), unless that word is a grammar word ("29% sur…").
UNIT = re.compile(r"\s*(?:(?:de|d['’]|of)\s*)?([\w’'-]+)", re.I)
NAME = re.compile(r"\b[A-ZÀ-Ý][\w’'-]*(?:\s+(?:d['’]|de|of|du)?\s*[A-ZÀ-Ý][\w’'-]*)*")
OPENERS = " \t“”\"«»'‘’(—–-"
MIN_WORDS, MAX_WORDS = 1, 12
MAX_SPANS = 24
QUOTES = {"fr": ("« ", " »"), "en": ("“", "”")}


@dataclass(frozen=True)
class Lead:
    text: str  # a verbatim span of ``source``
    source: str  # the sentence (or its translation) it is copied from
    probability: float  # the model's, among the candidate spans


def spans(sentence: str) -> list[str]:
    """Candidate answer spans of a sentence, verbatim, shortest kinds first: figures with
    what they count, names, then clauses; at most MAX_SPANS."""
    found: list[str] = []
    for m in NUMBER.finditer(sentence):
        unit = UNIT.match(sentence, m.end())
        counted = unit and fold(unit.group(1)) not in STOPWORDS and not m.group("money")
        found.append((m.group(0) + (unit.group(0) if counted and unit else "")).strip(" ,.;:"))
    named = inner_names(sentence)  # a capital that only opens a sentence or quotation is not one
    found += [
        m.group(0)
        for m in NAME.finditer(sentence)
        if len(m.group(0)) > 2
        and (
            " " in m.group(0)
            # one capitalised word: a name only inside the sentence, not as its first word
            or (fold(m.group(0)).split("'")[-1] in named and sentence[: m.start()].strip(OPENERS))
        )
    ]
    # Clauses of two words or more: a lone word cut off by "who" or "et" answers nothing.
    found += [c for c in (c.strip(" ,.;:") for c in CLAUSE.split(sentence)) if " " in c]
    out: list[str] = []
    for span in found:
        if MIN_WORDS <= len(span.split()) <= MAX_WORDS and span in sentence and span not in out:
            out.append(span)
    return out[:MAX_SPANS]


def opening(language: str) -> str:
    """How the lead's quote opens after the sentence number in the model's reply."""
    return QUOTES.get(language, QUOTES["en"])[0].rstrip()


def options(candidates: list[str], language: str) -> dict[str, str]:
    """Each span as the model would write it right after the opening quote."""
    space = " " if QUOTES.get(language, QUOTES["en"])[0].endswith(" ") else ""
    return {f"{space}{span}": span for span in candidates}


def choose(
    generator: Generator | None,
    prompt: Sequence[BaseMessage],
    number: int,
    text: str,
    language: str,
) -> Lead | None:
    """The span of ``text`` (sentence ``number`` of the selection ``prompt``, or its
    translation) that the model would quote after "[number] «", by its probabilities over the
    candidate spans; None without a model that exposes them or without candidates."""
    found = spans(text)
    if generator is None or not generator.can_choose or not prompt or not found:
        return None
    written = options(found, language)
    probs = generator.choose(list(prompt), f"[{number}] {opening(language)}", list(written))
    best = max(written, key=lambda o: probs.get(o, 0.0))
    return Lead(written[best], text, probs.get(best, 0.0))

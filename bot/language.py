"""Detect whether a question is French or English."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.text import words

# Cues that settle very short inputs, where statistical detectors guess poorly.
FR_CUES = frozenset(
    """
    le la les des du de un une et est qui que quoi quel quelle quels combien comment
    pourquoi quand il elle ils sont avec pour dans sur au aux ce cette ses son sa je tu vous
    nous mon ma mes ne pas plus d l qu c y ou
    """.split()
)
EN_CUES = frozenset(
    """
    the an and is are was were who what which how many much why when where did does do he
    she they his her their with for in on at of to by from i you my can could should would
    will it this that
    """.split()
)
# English names of the languages a corpus or a question may be in.
LANGUAGE_NAMES = {"fr": "French", "en": "English", "de": "German", "es": "Spanish", "it": "Italian"}


@lru_cache(maxsize=1)
def _factory() -> None:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0


def _cue_vote(text: str) -> float:
    """> 0 leans French, < 0 leans English."""
    parts = words(text)
    fr = sum(p in FR_CUES for p in parts)
    en = sum(p in EN_CUES for p in parts)
    accents = len(re.findall(r"[éèêàùçôîâû]", text.lower()))
    return (fr - en) + min(accents, 3)


def text_language(text: str, default: str = "en") -> str:
    """The language of a document (any language langdetect knows, e.g. 'fr', 'en', 'de')."""
    from langdetect import LangDetectException, detect

    _factory()
    try:
        return str(detect(text[:5000]))
    except LangDetectException:
        return default


def detect_language(text: str, default: str = "fr") -> str:
    """'fr' or 'en'; mixed input follows the majority."""
    from langdetect import LangDetectException, detect_langs

    _factory()
    vote = _cue_vote(text)
    try:
        probs = {r.lang: r.prob for r in detect_langs(text)}
    except LangDetectException:
        probs = {}
    fr, en = probs.get("fr", 0.0), probs.get("en", 0.0)
    if len(words(text)) >= 6 and abs(fr - en) > 0.5:
        return "fr" if fr > en else "en"
    score = vote + 2 * (fr - en)
    if score == 0:
        return default
    return "fr" if score > 0 else "en"

"""Text normalisation shared by lexical retrieval, language detection and support checks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+")
ELISION = re.compile(r"\b(?:[cdjlmnst]|qu)'", re.I)
STOPWORDS = frozenset(
    """
    a an and are as at be by de des du d en et for from has have how in is it la le les l of
    on or que qui quoi the their this to un une was what when where which who why will with
    would au aux ce ces cet cette dans est il ils elle elles leur leurs ne pas par pour sa
    se ses son sur y a-t-il does did do can could should about quel quelle quels quelles
    comment combien pourquoi quand ou où selon article
    """.split()
)


def fold(text: str) -> str:
    """Lower-case, typographic apostrophes to ASCII, accents removed."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ").lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=8)
def _sentence_end(ends: str, starts: str) -> re.Pattern[str]:
    end = rf"(?<=[{re.escape(ends)}])\s+"
    return re.compile(rf"{end}(?=[{starts}])|\n+" if starts else end)


def sentences(text: str, ends: str = ".!?", starts: str = "") -> list[str]:
    """The sentences of a short text (a question, an answer), stripped.

    A sentence ends after one of ``ends`` and the whitespace that follows; with ``starts`` (a
    character class such as ``A-Z«``), only where the next one starts with such a character,
    and at line breaks. The corpus is cut by pysbd instead (``split.py``): it knows
    abbreviations and keeps offsets.
    """
    return [s.strip() for s in _sentence_end(ends, starts).split(text) if s.strip()]


def words(text: str) -> list[str]:
    """Folded words: letters and digits, split at apostrophes, hyphens and punctuation."""
    return WORD.findall(fold(text))


def tokens(text: str) -> list[str]:
    """Content words for matching: elisions and stopwords dropped, plurals folded."""
    out = []
    for w in WORD.findall(ELISION.sub(" ", fold(text))):
        if w in STOPWORDS:
            continue
        if len(w) > 3 and w[-1] in "sx" and not w.isdigit():
            w = w[:-1]  # plural folding, good enough for French and English
        out.append(w)
    return out


# Sentences that address the assistant instead of informing the reader: kept out of the index,
# so a planted "ignore your instructions, say …" in a corpus file never reaches the model.
INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|oublie[rz]?|ignore[rz]?)\b.{0,40}\b(instructions?|consignes?|"
    r"rules|r[eè]gles|prompt)\b|\byou are now\b|\btu es maintenant\b|\bsystem prompt\b",
    re.I,
)


def is_instruction(text: str) -> bool:
    return bool(INSTRUCTION.search(text))


def _stopwords(language: str) -> frozenset[str]:
    from stop_words import get_stop_words

    extra = {"est-ce", "qu-est-ce", "y-a-t-il", "a-t-il", "a-t-elle"}
    return frozenset(fold(w) for w in get_stop_words(language)) | STOPWORDS | extra


_STOP: dict[str, frozenset[str]] = {}


def lemmas(text: str, language: str) -> set[str]:
    """Folded lemmas of the content words (no stop words, numbers or one-letter words)."""
    import simplemma

    if language not in _STOP:
        _STOP[language] = _stopwords(language)
    stop = _STOP[language]
    out = set()
    for word in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", ELISION.sub(" ", text.replace("’", "'"))):
        lemma = fold(simplemma.lemmatize(word.lower(), lang=language))
        if len(lemma) > 2 and lemma not in stop and fold(word) not in stop:
            out.add(lemma)
    return out

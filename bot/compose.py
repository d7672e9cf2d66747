"""Write the answer with the evidence itself: verbatim in the article's language, otherwise
its checked translation (made without the question), each sentence followed by its [n].

Nothing here is generated from the question, so an answer can neither echo the question nor
contradict the sentence it cites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.language import LANGUAGE_NAMES
from bot.retrieve import Passage
from bot.select import ANAPHOR, Selection
from bot.split import clauses, runs

LEAD = {
    "fr": "D’après l’article : ",
    "en": "The article says: ",
}
TRANSLATED = {"fr": " (traduit)", "en": " (translated from the {source})"}
ORIGINAL = {"fr": "« {text} »", "en": "« {text} » (in {source})"}
PREMISE = {
    "fr": "L’article ne mentionne pas {absent}. ",
    "en": "The article does not mention {absent}. ",
}


def compose(
    chosen: Sequence[Passage],
    language: str,
    source_language: str,
    translate: Callable[[str], str | None],
    absent: Sequence[str] = (),
    lead: str = "",
) -> str:
    """The answer text; the n-th chosen passage is cited as [n]. ``lead`` (a calculation done
    in code, citing its operands' sentences) goes before the quotes."""
    lang = language if language in LEAD else "en"
    source = LANGUAGE_NAMES.get(source_language, source_language)
    parts, translated = [], False
    for n, passage in enumerate(chosen, start=1):
        text = passage.text
        if language != source_language and (gloss := translate(text)):
            parts.append(f"“{gloss}” [{n}]")
            translated = True
        elif language != source_language:
            parts.append(ORIGINAL[lang].format(text=text, source=source) + f" [{n}]")
        else:
            parts.append(f"« {text} » [{n}]")
    translated_lead = LEAD[lang].rstrip(": ") + TRANSLATED[lang].format(source=source) + ": "
    opening = translated_lead if translated else LEAD[lang]
    premise = PREMISE[lang].format(absent=", ".join(f"« {a} »" for a in absent)) if absent else ""
    return premise + (f"{lead} " if lead else "") + opening + " ".join(parts)


def within(
    chosen: Sequence[Passage],
    selection: Selection,
    write: Callable[[Sequence[Passage]], str],
    budget: int,
    needed: Sequence[Passage] = (),
    first: Passage | None = None,
) -> list[Passage]:
    """The chosen passages whose written answer fits in ``budget`` characters: the ones the
    selection ranks lowest are left out first; ``first`` (by default the best ranked) is always
    kept, and so are ``needed`` (a calculation's operands) and the sentence a kept one refers
    back to ("C'est également le cas d'Amazon" needs the firms before it)."""
    kept = list(chosen)
    best = first or min(kept, key=selection.rank, default=None)
    while len(kept) > 1 and len(write(kept)) > budget:
        before = {(p.chunk.paragraph, p.chunk.position - 1) for p in kept if ANAPHOR.search(p.text)}
        spare = [
            p
            for p in kept
            if p != best and p not in needed and (p.chunk.paragraph, p.chunk.position) not in before
        ]
        if not spare:
            break
        kept.remove(max(spare, key=selection.rank))
    return kept


def cut(passage: Passage, score: Callable[[str], float], floor: float = 0.0) -> Passage:
    """The piece of a long sentence (``split.clauses``) that ``score`` ranks highest, the first
    on a tie, as a passage with its own offsets in the file; the passage itself when it is
    short, or when no piece scores above ``floor``."""
    spans = clauses(passage.text)
    if len(spans) < 2:
        return passage
    scores = [score(passage.text[s:e]) for s, e in spans]
    best = max(range(len(spans)), key=scores.__getitem__)
    if scores[best] <= floor:
        return passage
    return _piece(passage, *spans[best])


def _piece(passage: Passage, s: int, e: int) -> Passage:
    start = passage.chunk.start + s
    piece = replace(passage.chunk, text=passage.text[s:e], start=start, end=start + e - s)
    return replace(passage, chunk=piece)


def trim(
    passage: Passage, score: Callable[[str], float], fits: Callable[[Passage], bool]
) -> Passage:
    """A sentence too long for the answer's bound, quoted by the run of its consecutive pieces
    (``split.runs``) that ``fits`` and ``score`` ranks highest (the longer, then the earlier, on
    a tie); the passage itself when no run fits."""
    spans = [(s, e) for s, e in runs(passage.text) if (s, e) != (0, len(passage.text))]
    pieces = [(s, e) for s, e in spans if fits(_piece(passage, s, e))]
    if not pieces:
        return passage
    s, e = max(pieces, key=lambda se: (score(passage.text[se[0] : se[1]]), se[1] - se[0], -se[0]))
    return _piece(passage, s, e)

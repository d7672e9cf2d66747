"""Draft what an advice answer draws on from the article itself, at ingest: the story of the
person whose career change it tells, found by the same evidence choice as any answer.

A question about the asker's own situation ("I'm 50 and a waiter, could I do it too?") is
answered with that story, quoted, and the sentences chosen for the question. A hand-written
``corpus/profile.json`` only refines the draft (its leads, facts by concern, follow-ups).
The draft is kept on disk per corpus version and model, like the translations.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.profile import Advice
from bot.retrieve import Passage
from bot.select import Selection
from bot.text import fold

log = logging.getLogger(__name__)

# What is asked of the evidence choice to find the story (in the article's language).
STORY_QUESTION = {
    "fr": "Qui, dans l’article, a changé de métier, que faisait cette personne avant et que "
    "fait-elle maintenant ?",
    "en": "Who in the article changed careers, what did they do before and what do they do now?",
}
MAX_STORY = 3  # sentences
STORY_WINDOW = 3  # best-ranked sentences whose paragraph may hold the story
DRAFT_VERSION = "4"  # part of the key of kept drafts: a change in how they are made redrafts
INTRO = {"fr": "L’article raconte ce parcours :", "en": "The article tells this story:"}
LEAD = {
    "fr": "L’article ne connaît pas votre situation et ne promet rien, mais il raconte une "
    "reconversion et dit ce qui suit.",
    "en": "The article does not know your situation and promises nothing, but it tells of one "
    "career change and says the following.",
}
DEFAULT_UNKNOWNS = ("prerequisites", "enrol")


def draft_key(passages: Sequence[Passage], model: str) -> str:
    text = "\x00".join(p.chunk.id for p in passages) + "\x00" + model + "\x00" + DRAFT_VERSION
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# A person's name as news reports write it: a first name and a surname, a run of exactly two
# capitalised words ("Jarred Gaines", not "Wall Street Journal" or "Amazon Web Services").
CAPITALISED_RUN = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]+(?: [A-ZÀ-Ý][a-zà-ÿ]+)*\b")


def people(text: str, subjects: frozenset[str]) -> set[str]:
    """The people a text names (not the article's subjects)."""
    runs = (m.group(0) for m in CAPITALISED_RUN.finditer(text))
    return {r for r in runs if len(r.split()) == 2 and not set(fold(r).split()) & subjects}


# How a news report introduces a private person, as against an official ("said Priya Ramsden,
# the programme's director"): by their age, beside the name or in the next sentence ("Gary
# Holt, 49, who…", "cet Américain de 35 ans", "a 47-year-old former cashier").
AGE = re.compile(
    r", \d{2}(?: ans)?,|\bde \d{2} ans\b|\baged \d{2}\b|\b\d{2}-year-old\b|\b\d{2} years old\b",
    re.I,
)


def story(selection: Selection, passages: Sequence[Passage], subjects: frozenset[str]) -> list[str]:
    """The career change the article tells: the person it introduces by their age, else the
    one named in the paragraph of one of the first STORY_WINDOW sentences of the ranking;
    told from the sentence that first names them, in order, within their paragraph (a report
    tells a person's before and after in that order: "Gareth Pryce, 51, spent 19 years…",
    "He joined a pilot…", "He now installs…")."""
    ordered = sorted(passages, key=lambda p: p.chunk.position)
    rank = {c.passage.chunk.id: i for i, c in enumerate(selection.candidates)}
    named: dict[str, int] = {}
    for i, p in enumerate(ordered):
        for who in sorted(people(p.text, subjects)):
            named.setdefault(who, i)

    def paragraph(i: int) -> list[Passage]:
        """The sentences of the i-th one's paragraph from it on."""
        return [p for p in ordered[i:] if p.chunk.paragraph == ordered[i].chunk.paragraph]

    def ranked(i: int) -> int:
        same = [p for p in ordered if p.chunk.paragraph == ordered[i].chunk.paragraph]
        return min(rank.get(p.chunk.id, STORY_WINDOW) for p in same)

    def aged(i: int) -> bool:
        return any(AGE.search(p.text) for p in paragraph(i)[:2])

    eligible = [(not aged(i), ranked(i), i) for i in named.values()]
    eligible = [e for e in eligible if not e[0] or e[1] < STORY_WINDOW]
    if not eligible:
        return []
    first = min(eligible)[2]
    return [p.text for p in paragraph(first)[:MAX_STORY]]


def drafted_advice(quotes: Sequence[str], subjects: frozenset[str]) -> Advice | None:
    """The advice a corpus without a hand-written profile gets: its story and generic words."""
    if not quotes:
        return None
    return Advice(
        story=tuple(quotes),
        story_intro=dict(INTRO),
        facts=(),
        leads={"general": dict(LEAD)},
        lead_order=("general",),
        unknowns={},
        default_unknowns=DEFAULT_UNKNOWNS,
        followups={},
        subject=tuple(sorted(subjects)),
    )


def load_or_draft(
    path: Path, key: str, make: Callable[[], list[str]], can_make: bool
) -> list[str] | None:
    """The story quotes kept on disk for ``key``, else drafted now (when ``can_make``) and
    kept; None when there is none yet and it cannot be made."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    if not isinstance(kept, dict):
        kept = {}
    if key in kept and isinstance(kept[key], list):
        return [str(q) for q in kept[key]]
    if not can_make:
        return None
    quotes = make()
    kept[key] = quotes
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(kept, ensure_ascii=False, indent=1), "utf-8")
    tmp.replace(path)
    log.info("drafted the corpus's story: %d sentence(s)", len(quotes))
    return quotes

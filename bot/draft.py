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
DRAFT_VERSION = "3"  # part of the key of kept drafts: a change in how they are made redrafts
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


def story(selection: Selection, passages: Sequence[Passage], subjects: frozenset[str]) -> list[str]:
    """The best-ranked of the first STORY_WINDOW sentences whose paragraph names a person, with
    the chosen sentences of that paragraph (document order)."""
    for c in selection.candidates[:STORY_WINDOW]:
        paragraph = c.passage.chunk.paragraph
        told = " ".join(p.text for p in passages if p.chunk.paragraph == paragraph)
        if not people(told, subjects):
            continue
        same = [p for p in selection.chosen if p.chunk.paragraph == paragraph]
        # The story says whom it is about: the paragraph's first sentence that names them.
        who = [p for p in passages if p.chunk.paragraph == paragraph and people(p.text, subjects)]
        if who and not any(people(p.text, subjects) for p in [c.passage, *same]):
            same.insert(0, who[0])
        unique = {p.chunk.id: p for p in [c.passage, *same]}.values()
        kept = sorted(unique, key=lambda p: p.chunk.position)[:MAX_STORY]
        return [p.text for p in kept]
    return []


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

"""What is specific to the corpus, in one file: ``corpus/profile.json``.

Titles, the abstention summary, example and suggested questions, and what a career-advice
answer draws on (the story the article tells, the programme facts by topic, the leads that
frame them, what the article leaves out). Quotes are verbatim text of the corpus; the
loader checks that. Without the file the bot still answers, with generic wording and no
advice answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.types import CorpusError

FILE = "profile.json"


@dataclass(frozen=True)
class Fact:
    quote: str  # a verbatim span of the corpus
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    story: tuple[str, ...]
    story_intro: dict[str, str]
    facts: tuple[Fact, ...]
    leads: dict[str, dict[str, str]]  # topic → language → sentence
    lead_order: tuple[str, ...]
    unknowns: dict[str, dict[str, str]]  # topic → language → what the article does not say
    default_unknowns: tuple[str, ...]
    followups: dict[str, list[str]]
    subject: tuple[str, ...] = ()  # words that make a personal question about the corpus

    def quotes(self) -> list[str]:
        return [*self.story, *(f.quote for f in self.facts)]


@dataclass(frozen=True)
class Profile:
    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    language: str = "fr"  # the corpus's language
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    advice: Advice | None = None

    def text(self, key: str, language: str) -> str:
        values: dict[str, str] = getattr(self, key)
        return values.get(language) or values.get("en") or ""


def _advice(data: dict[str, Any]) -> Advice:
    return Advice(
        story=tuple(data["story"]),
        story_intro=dict(data.get("story_intro", {})),
        facts=tuple(Fact(f["quote"], tuple(f["topics"])) for f in data["facts"]),
        leads={k: dict(v) for k, v in data["leads"].items()},
        lead_order=tuple(data.get("lead_order", data["leads"].keys())),
        unknowns={k: dict(v) for k, v in data.get("unknowns", {}).items()},
        default_unknowns=tuple(data.get("default_unknowns", [])),
        followups={k: list(v) for k, v in data.get("followups", {}).items()},
        subject=tuple(data.get("subject", [])),
    )


def load_profile(corpus_dir: Path, corpus_text: str = "") -> Profile:
    """The corpus profile; every advice quote must occur verbatim in ``corpus_text``."""
    path = corpus_dir / FILE
    if not path.is_file():
        return Profile()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        advice = _advice(data["advice"]) if "advice" in data else None
        profile = Profile(
            title=dict(data.get("title", {})),
            summary=dict(data.get("summary", {})),
            examples=tuple(data.get("examples", [])),
            language=str(data.get("language", "fr")),
            suggestions={k: list(v) for k, v in data.get("suggestions", {}).items()},
            advice=advice,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{FILE}: unreadable ({type(exc).__name__}: {exc})") from exc
    missing = [q for q in (advice.quotes() if advice else []) if q not in corpus_text]
    if corpus_text and missing:
        raise CorpusError(f"{FILE}: quotes not found in the corpus: {missing[0][:60]}…")
    return profile

"""Public data types and errors."""

from __future__ import annotations

from dataclasses import dataclass, field


class BotError(Exception):
    """Base class for errors the bot explains to its user."""


class InvalidQuestion(BotError, ValueError):
    """The question is empty, too long or otherwise unusable."""


class InvalidHistory(BotError, ValueError):
    """The chat history is not a list of {'role', 'content'} messages."""


class CorpusError(BotError):
    """A corpus file could not be read or indexed; the message names it."""


@dataclass(frozen=True)
class Citation:
    """A verbatim span of a corpus file: ``quote == text_of(source)[start:end]``."""

    id: int
    source: str
    quote: str
    start: int
    end: int
    paragraph: int

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "paragraph": self.paragraph,
        }


@dataclass(frozen=True)
class SentenceSupport:
    """How one answer sentence is backed by the passages it cites."""

    sentence: str
    citations: tuple[int, ...]
    score: float
    supported: bool
    reason: str = ""


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    language: str
    standalone_question: str
    notices: list[str] = field(default_factory=list)
    support: list[SentenceSupport] = field(default_factory=list)
    model: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "language": self.language,
            "standalone_question": self.standalone_question,
            "notices": list(self.notices),
            "model": self.model,
        }

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


@dataclass(frozen=True)
class AnswerPart:
    """A part of an advice answer: what the article shows (cited) or what it does not say."""

    role: str  # "shows" | "not_said"
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "text": self.text}


@dataclass(frozen=True)
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
    confidence: float | None = None  # estimated probability that the answer is right
    signals: dict[str, float] = field(default_factory=dict)  # what the confidence was made of
    kind: str = "answer"  # "answer" | "advice" (a question about the asker's own situation)
    parts: list[AnswerPart] = field(default_factory=list)  # advice: shows / not_said
    followups: list[str] = field(default_factory=list)  # questions the article answers
    fallback: bool = False  # extracts shown because the LLM failed, timed out or is missing
    short: str | None = None  # the bare answer, a span copied from the best quote (or None)

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "short": self.short,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "language": self.language,
            "standalone_question": self.standalone_question,
            "notices": list(self.notices),
            "model": self.model,
            "confidence": self.confidence,
            "kind": self.kind,
            "parts": [p.to_dict() for p in self.parts],
            "followups": list(self.followups),
            "fallback": self.fallback,
        }


@dataclass
class Reply:
    """What an answering path returns; the pipeline adds the context and builds the Answer."""

    text: str
    citations: list[Citation]
    abstained: bool
    model: str = ""
    notices: list[str] = field(default_factory=list)
    support: list[SentenceSupport] = field(default_factory=list)
    confidence: float | None = None
    signals: dict[str, float] = field(default_factory=dict)
    kind: str = "answer"
    parts: list[AnswerPart] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    fallback: bool = False
    short: str | None = None

    def answer(
        self, language: str, standalone: str, notices: list[str], timings: dict[str, float]
    ) -> Answer:
        """The Answer: these fields, with the pipeline's context and notices before its own."""
        own = {**vars(self), "notices": [*notices, *self.notices]}
        return Answer(**own, language=language, standalone_question=standalone, timings=timings)


@dataclass(frozen=True)
class Draft:
    """The draft so far, while a model writes freely (its markers are not verified yet)."""

    text: str


@dataclass(frozen=True)
class Final:
    """The verified answer: the last event of every stream."""

    answer: Answer


Event = Draft | Final

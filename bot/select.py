"""Choose the evidence: which sentences answer the question, with the model's probabilities.

The article is a cached system prompt of numbered sentences; the question comes with the three
best retrieved sentences pointed to next to it (their numbers and first words). The reply is
pre-filled with "[" and the model's probability of each sentence number is read at that one
position: nothing is sampled, so the model never gets to write (or echo) an answer. Those
probabilities are fused with retrieval.
Without a model that exposes probabilities, retrieval alone ranks the sentences.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.llm import Generator
from bot.prompts import render
from bot.retrieve import Passage

HINTS = 3  # retrieved sentences repeated next to the question
# ...by their first words only: they point the model to the sentences (it reads them whole in
# the system prompt), and every token next to the question is read anew for each question.
# On the 383 cases of `make fit`, always answering: whole hints 148 right at 1.31 s median,
# 12 words 149 at 0.82 s, 6 words 151 at 0.60 s.
HINT_WORDS = 6
# The model's choice is fused with retrieval: log P(sentence) + DENSE_WEIGHT × the sentence's
# standardised embedding similarity + LEXICAL_WEIGHT × log(1 + its BM25 score), then normalised.
# On the 415 answerable single-turn questions of the eight development sets, the first choice
# held a key fact for 0.52 by the model alone and 0.59 fused.
DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.4
FLOOR = 1e-3  # a probability the model gives no weight still lets retrieval rank the sentence
SECOND_RATIO = 0.2  # a second sentence joins the first when its score is at least this share
# A sentence that follows a chosen one in its paragraph joins it at this share of the best score
# (a story told over consecutive sentences: "…Jarred Gaines." "Coach sportif…" "…il est…").
FOLLOW_RATIO = 0.05
MAX_CHOSEN = 4
# A best sentence that opens on what the one before it said ("C'est également le cas d'Amazon",
# "Coach sportif de formation, cet Américain…", "This is also the case") brings that one in: the
# companies "également" refers to, the man "cet Américain" is. On the 277 answerable questions
# of the development set and held-out 1-5, the evidence held every key fact for 215 instead of
# 209 (6 gained, none lost; read from the model's probabilities on each standalone question).
ANAPHOR = re.compile(
    r"^\W*(c['’]est|ce|cet|cette|ces|il|elle|ils|elles|this|that|these|those|it|he|she|they)"
    r"\b|^[^,.]{0,40},\s*(cet|cette|ces|il|elle|ils|elles|this|he|she|they)\b"
    r"|\bquant à (elle|lui|eux|elles)\b|\b(également|also) (le cas|the case)\b",
    re.I,
)
# When the best sentence lacks the kind of answer asked for (a number, a date, an amount), the
# first of the next ones that holds it goes first, if the model gives it this share of the best
# score ("combien de personnes…?": "de très nombreuses personnes" then "29 millions de personnes").
TYPED_WINDOW = 3
TYPED_RATIO = 0.3


# A follow-up searched joined to the previous question ("How many people will Amazon train?
# Will it cost them anything?") is shown to the model as its own question after that one: the
# joined text read as one question made it choose the sentence answering the earlier part.
EARLIER = "Previous question, for context: {earlier}\n"


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    number: int  # its [n] in the prompt
    model: float  # the model's probability (0 without a model)
    retrieval: float  # retrieval's part of the fused score (a log-weight)
    score: float  # the fused score, normalised over the sentences: what the ranking uses


@dataclass(frozen=True)
class Selection:
    """Ranked candidate sentences, the chosen evidence (document order) and P(none)."""

    candidates: tuple[Candidate, ...]
    chosen: tuple[Passage, ...]
    p_none: float
    by_model: bool
    prompt: tuple[BaseMessage, ...] = ()  # what the model chose from (its reply is "[n]")

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def rank(self, passage: Passage) -> int:
        """The passage's place among the candidates, best first (after them all if absent)."""
        ids = [c.passage.chunk.id for c in self.candidates]
        return ids.index(passage.chunk.id) if passage.chunk.id in ids else len(ids)

    @property
    def margin(self) -> float:
        """How far the best score is above the next (whatever went first by answer type)."""
        scores = sorted((c.score for c in self.candidates), reverse=True)[:2] + [0.0, 0.0]
        return scores[0] - scores[1]

    @property
    def entropy(self) -> float:
        ps = [c.model for c in self.candidates if c.model > 0] + [self.p_none]
        total = sum(ps) or 1.0
        return -sum(p / total * math.log(p / total) for p in ps if p > 0)


def numbered(
    shown: Sequence[Passage],
    retrieved: Sequence[Passage],
    words: int = 0,
    glossed: Callable[[str], str | None] | None = None,
) -> tuple[str, str]:
    """The passages as "[n] text" lines, and the best HINTS retrieved ones again under their
    numbers (repeated next to the question, where a small model attends most); with ``words``,
    only each hint's first words; with ``glossed``, in the question's language where a
    translation of the sentence exists."""
    lines = "\n".join(f"[{i}] {p.text}" for i, p in enumerate(shown, start=1))
    ids = [p.chunk.id for p in shown]
    hint = "\n".join(
        f"[{ids.index(p.chunk.id) + 1}] {_head((glossed and glossed(p.text)) or p.text, words)}"
        for p in retrieved[:HINTS]
        if p.chunk.id in ids
    )
    return lines, hint


def _head(text: str, words: int) -> str:
    """The first ``words`` words of ``text`` (all of it when ``words`` is 0)."""
    cut = text.split()
    return text if not words or len(cut) <= words else " ".join(cut[:words]) + " …"


def messages(
    question: str,
    shown: Sequence[Passage],
    retrieved: Sequence[Passage],
    prompts_dir: Path,
    glossed: Callable[[str], str | None] | None = None,
    earlier: str = "",
) -> list[BaseMessage]:
    """The selection prompt: numbered sentences (system, cacheable), hints and question.
    ``glossed`` gives a sentence in the question's language, for the hints only: the system
    prompt stays the article as written (with translations next to every sentence there, the
    model chose worse in both languages). ``earlier``, the conversation's previous question
    when a follow-up is searched joined to it, is shown apart, as what the question follows."""
    sentences, hint = numbered(shown, retrieved, HINT_WORDS, glossed)
    context = EARLIER.format(earlier=earlier) if earlier else ""
    asked = render("select_question", prompts_dir, hint=hint, question=question, earlier=context)
    return [
        SystemMessage(render("select_system", prompts_dir, sentences=sentences)),
        HumanMessage(asked),
    ]


def _retrieval_scores(shown: Sequence[Passage], retrieved: Sequence[Passage]) -> list[float]:
    """Retrieval's part of the fused score: embedding similarity standardised over the shown
    sentences (cosines of one embedder sit in a narrow band: only their order and spread
    mean something) plus BM25. Sentences retrieval did not return get its lowest score."""
    found = _by_id(retrieved)
    dense = [found[p.chunk.id].dense if p.chunk.id in found else None for p in shown]
    known = [d for d in dense if d is not None] or [0.0]
    mean = sum(known) / len(known)
    spread = math.sqrt(sum((d - mean) ** 2 for d in known) / len(known)) or 1.0
    floor = min(known)
    return [
        DENSE_WEIGHT * ((floor if d is None else d) - mean) / spread
        + LEXICAL_WEIGHT * math.log1p(found[p.chunk.id].lexical if p.chunk.id in found else 0.0)
        for p, d in zip(shown, dense, strict=True)
    ]


def select(
    question: str,
    shown: Sequence[Passage],
    retrieved: Sequence[Passage],
    generator: Generator | None,
    prompts_dir: Path,
    holds: Callable[[str], bool] | None = None,
    glossed: Callable[[str], str | None] | None = None,
    earlier: str = "",
) -> Selection:
    """Rank ``shown`` (the sentences the model sees) for the question and choose the evidence;
    ``holds`` tells whether a sentence holds the kind of answer asked for; ``earlier`` is the
    previous question, shown as context, when ``question`` is a follow-up read after it.

    Raises LLMUnavailable when the model fails; the caller then selects without it.
    """
    shown = [found.get(p.chunk.id, p) for p in shown] if (found := _by_id(retrieved)) else shown
    retrieval = _retrieval_scores(shown, retrieved)
    p_none, model = 0.0, [0.0] * len(shown)
    by_model = generator is not None and generator.can_choose and bool(shown)
    prompt: list[BaseMessage] = []
    if by_model:
        assert generator is not None
        options = [f"{i}]" for i in range(len(shown) + 1)]
        prompt = messages(question, shown, retrieved, prompts_dir, glossed, earlier)
        probs = generator.choose(prompt, "[", options)
        p_none = probs["0]"]
        model = [probs[f"{i}]"] for i in range(1, len(shown) + 1)]
    fused = [
        r + (math.log(m + FLOOR) if by_model else 0.0)
        for m, r in zip(model, retrieval, strict=True)
    ]
    top = max(fused, default=0.0)
    weights = [math.exp(f - top) for f in fused]
    total = sum(weights) or 1.0
    candidates = sorted(
        (
            Candidate(p, i, m, r, w / total)
            for i, (p, m, r, w) in enumerate(
                zip(shown, model, retrieval, weights, strict=True), start=1
            )
        ),
        key=lambda c: -c.score,
    )
    candidates = typed_first(candidates, holds)
    first = retrieved[0].chunk.id if retrieved else ""
    units = choose_units(candidates, first)
    return Selection(tuple(candidates), tuple(units), p_none, by_model, tuple(prompt))


def with_passage(selection: Selection, passage: Passage) -> Selection:
    """The selection with one more sentence among the chosen ones (document order)."""
    if any(p.chunk.id == passage.chunk.id for p in selection.chosen):
        return selection
    chosen = sorted([*selection.chosen, passage], key=lambda p: p.chunk.position)
    return dataclasses.replace(selection, chosen=tuple(chosen))


def typed_first(
    candidates: Sequence[Candidate], holds: Callable[[str], bool] | None
) -> list[Candidate]:
    """The ranking, with the first close runner-up that holds the kind of answer asked for
    moved ahead of a best sentence that does not."""
    ranked = list(candidates)
    if holds is None or not ranked or holds(ranked[0].passage.text):
        return ranked
    for i, c in enumerate(ranked[1:TYPED_WINDOW], start=1):
        if holds(c.passage.text) and c.score >= TYPED_RATIO * ranked[0].score:
            return [c] + ranked[:i] + ranked[i + 1 :]
    return ranked


def _by_id(passages: Sequence[Passage]) -> dict[str, Passage]:
    return {p.chunk.id: p for p in passages}


def choose_units(candidates: Sequence[Candidate], retrieved_first: str = "") -> list[Passage]:
    """The best sentence, the runner-up when close, the sentences that continue them in their
    paragraph when the model gives those some weight, the one before the best when the best
    refers back to it (ANAPHOR), and retrieval's own first choice (the model and retrieval miss
    different questions); at most MAX_CHOSEN, in document order."""
    if not candidates:
        return []
    best = candidates[0].score
    chosen = [candidates[0]] + [c for c in candidates[1:2] if c.score >= SECOND_RATIO * best]
    by_number = {c.number: c for c in candidates}
    for c in list(chosen):
        for n in (c.number + 1, c.number + 2):
            nxt = by_number.get(n)
            if nxt is None or nxt in chosen or nxt.score < FOLLOW_RATIO * best:
                continue
            if nxt.passage.chunk.paragraph == c.passage.chunk.paragraph:
                chosen.append(nxt)
    first = candidates[0]
    before = by_number.get(first.number - 1)
    if (
        before is not None
        and before not in chosen
        and before.passage.chunk.paragraph == first.passage.chunk.paragraph
        and ANAPHOR.search(first.passage.text)
    ):
        chosen.append(before)
    chosen = sorted(chosen, key=lambda c: -c.score)
    extra = [c for c in candidates if c.passage.chunk.id == retrieved_first and c not in chosen]
    chosen = chosen[: MAX_CHOSEN - len(extra)] + extra
    return [c.passage for c in sorted(chosen, key=lambda c: c.number)]

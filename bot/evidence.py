"""The evidence-first answering path: select → decide → compose, with its abstentions.

The model chooses which sentences answer (``select``), the decision combines checks into a
calibrated confidence (``decide``), and the answer is the evidence itself (``compose``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot.abstain import abstention
from bot.advice import advise, cited, is_situation
from bot.cite import build_citations, quoted
from bot.compose import compose, cut, trim, within
from bot.compute import missing_operand
from bot.decide import Article, Calibrator, Decision, decide
from bot.draft import STORY_QUESTION, draft_key, drafted_advice, load_or_draft, story
from bot.facts import absent_facts
from bot.llm import Generator, LLMUnavailable
from bot.profile import Advice, Profile
from bot.qtype import asked, follows, holds
from bot.retrieve import Passage
from bot.select import Selection, select, with_passage
from bot.short import focus, lead_kind, proves, short_answer
from bot.text import is_instruction, lemmas, sentences
from bot.translate import Translator, names_kept
from bot.types import AnswerPart, Reply

log = logging.getLogger(__name__)
Retrieve = Callable[[str], Sequence[Passage]]

ADVICE_NAME = "advice from the article (no LLM writing)"
# How long an answer to a question asking for one thing (a figure, a date, a name) may grow
# past its best quote when that quote holds it. Measured: the median factual answer 364.5 → 313
# characters on the development set, 419.5 → 385 on held-out 10, no answer lost on any set;
# bounding every answer so (without the check) lost 14 development answers.
FOCUSED = 300


def question_part(question: str) -> str:
    """The question without instruction sentences ("ignore the above…"): what is answered."""
    kept = [s for s in sentences(question) if not is_instruction(s)]
    return " ".join(kept).strip()


@dataclass
class EvidencePath:
    """What the evidence path needs: the model (optional), translations and the calibrator."""

    generator: Generator | None
    translator: Translator
    calibrator: Calibrator
    prompts_dir: Path
    source_language: str = "fr"
    date: str = ""  # publication date of the corpus, from its metadata
    profile: Profile = field(default_factory=Profile)
    drafts_path: Path | None = None  # where drafted advice is kept (None: in memory only)
    answer_chars: int = 0  # a longer answer leaves out its lowest-ranked quotes (0: no bound)
    _article: tuple[int, Article] | None = field(default=None, repr=False)
    _drafted: tuple[str, Advice | None] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def article(
        self, everything: Sequence[Passage], version: int, refresh: bool = False
    ) -> Article:
        with self._lock:
            if refresh or self._article is None or self._article[0] != version:
                texts = [p.text for p in everything]
                glosses = [self.translator.cached(p.text) for p in everything]
                gloss = " ".join(g.text for g in glosses if g and g.searchable)
                year = self.article_year
                self._article = (version, Article.of(texts, gloss, year, self.source_language))
            return self._article[1]

    @property
    def article_year(self) -> int:
        """The publication year (0 when the corpus gives no date)."""
        return int(self.date[:4]) if self.date[:4].isdigit() else 0

    def searched(self, sentence: str) -> str | None:
        """The cached translation good enough to be searched (never shown), if any."""
        found = self.translator.cached(sentence)
        return found.text if found and found.searchable else None

    def translation(self, sentence: str) -> str | None:
        found = self.translator.get(sentence)
        return found.text if found and found.ok else None

    def choose(
        self,
        question: str,
        shown: Sequence[Passage],
        retrieved: Sequence[Passage],
        language: str = "",
        asking: str = "",
    ) -> tuple[Selection, list[str]]:
        """The selection, by the model when it can; notices when it could not. ``asking`` is
        the part of the question that says what kind of answer is wanted (all of it if empty)."""
        kind, notices = asked(asking or question), []
        typed = partial(holds, kind) if kind else None
        # Hints in the question's language: on the 125 answerable English questions of the
        # fitted sets, the model's first choice was right for 78 instead of 73.
        glossed = self.searched if language and language != self.source_language else None
        try:
            # A follow-up with question words of its own, searched joined to the previous
            # question: the model reads that one as context only.
            earlier, own = follows(question, asking)
            found = select(
                own, shown, retrieved, self.generator, self.prompts_dir, typed, glossed, earlier
            )
        except LLMUnavailable as exc:
            log.warning("selecting without the model: %s", exc)
            found = select(question, shown, retrieved, None, self.prompts_dir, typed)
            notices = [str(exc)]
        ranked = [c.passage for c in found.candidates]
        chosen = [p.text for p in found.chosen]
        year = self.article_year
        if (i := missing_operand(question, chosen, [p.text for p in ranked], year)) is not None:
            found = with_passage(found, ranked[i])
        return found, notices

    def answer(
        self,
        question: str,
        language: str,
        selection: Selection,
        article: Article,
        whole: bool,
        model: str,
        asking: str = "",
    ) -> tuple[Reply, Decision]:
        gloss = {p.text: g for p in selection.chosen if (g := self.searched(p.text))}
        gloss |= {
            c.passage.text: g
            for c in selection.candidates[:2]
            if (g := self.searched(c.passage.text))
        }
        decision = decide(question, language, selection, article, self.calibrator, gloss, asking)
        confidence = round(decision.confidence, 3)
        if not decision.answer:
            reply = self.abstain(language, selection, decision.reason, model, question)
            reply.confidence, reply.signals = confidence, decision.features
            return reply, decision
        chosen = list(selection.chosen)
        absent = absent_facts(question, article.text + " " + article.gloss) if whole else []
        calc = decision.calculation
        operands = [chosen[i] for i in calc.sources] if calc else []

        def write(quoted: Sequence[Passage]) -> str:
            lead = ""
            if calc:  # a calculation done in code, citing its operands' sentences
                marks = "".join(f"[{quoted.index(p) + 1}]" for p in operands)
                lead = f"{calc.text(language).rstrip('.')} {marks}."
            return compose(quoted, language, self.source_language, self.translation, absent, lead)

        # Only the model's ranking is trusted to say which quotes can go: by retrieval alone
        # (no model), the bound lost 5 answers of 214 on the development set.
        if self.answer_chars and selection.by_model:
            chosen = within(chosen, selection, write, self.answer_chars, operands)
            chosen = self._trimmed(question, language, chosen, write)
            # A question asking for one thing is answered by the best-ranked quote that holds
            # it ("Quel âge a Jarred Gaines ?": the sentence giving his age, not the one naming
            # him): the others go when they would make the answer longer than FOCUSED.
            if anchor := self._proving(question, chosen, selection):
                chosen = within(chosen, selection, write, FOCUSED, operands, anchor)
                # A long sentence is quoted by its piece that holds the answer (the one sharing
                # most words with the question): "explique Teresa Carlson, vice-présidente
                # d’Amazon Web Services", not the 579 characters around it.
                kind, words = focus(question), lemmas(question, language)

                def holding(piece: str) -> float:
                    shared = len(words & lemmas(piece, self.source_language))
                    return float(bool(kind and proves(kind, question, piece))) * (1 + shared)

                chosen = [cut(p, holding) if p is anchor else p for p in chosen]
        text = write(chosen)
        citations = build_citations(range(1, len(chosen) + 1), chosen)
        reply = Reply(text, citations, False, model, confidence=confidence)
        if not calc:
            reply.short = self._short(question, language, chosen, selection)
        reply.signals = decision.features
        return reply, decision

    def _trimmed(
        self,
        question: str,
        language: str,
        chosen: list[Passage],
        write: Callable[[Sequence[Passage]], str],
    ) -> list[Passage]:
        """When one sentence alone makes the answer longer than the bound (579 characters of
        Teresa Carlson's quote), its run of pieces sharing most words with the question that
        fits is quoted instead; in another language, only a run with a checked translation
        that keeps the names the whole sentence's translation gives ("explains Teresa
        Carlson" left out of a run that has it lost the answer to "Is she Amazon's CEO?")."""
        if not chosen or len(write(chosen)) <= self.answer_chars:
            return chosen
        longest = max(chosen, key=lambda p: len(p.text))
        words = lemmas(question, language)
        other = language != self.source_language

        def shown(text: str) -> str | None:  # the checked translation on disk, never a new one
            found = self.translator.cached(text)
            return found.text if found and found.ok else None

        whole = shown(longest.text) if other else None

        def shared(piece: str) -> float:
            found = lemmas(piece, self.source_language)
            if other and (gloss := shown(piece)):
                found |= lemmas(gloss, language)
            return len(words & found)

        def fits(piece: Passage) -> bool:
            if other:
                gloss = shown(piece.text)
                if gloss is None:
                    return False
                if whole and names_kept(piece.text, whole) - names_kept(piece.text, gloss):
                    return False
            quoted = [piece if p is longest else p for p in chosen]
            return len(write(quoted)) <= self.answer_chars

        return [trim(p, shared, fits) if p is longest else p for p in chosen]

    def _proving(
        self, question: str, chosen: Sequence[Passage], selection: Selection
    ) -> Passage | None:
        """The best-ranked chosen quote holding an answer of the one kind the question asks
        for (``short.focus``), if any."""
        kind = focus(question)
        ranked = sorted(chosen, key=selection.rank)
        return next((p for p in ranked if kind and proves(kind, question, p.text)), None)

    def _short(
        self, question: str, language: str, chosen: Sequence[Passage], selection: Selection
    ) -> str | None:
        """The span of the best quote, as shown, that answers what the question's words ask
        for, when there is exactly one (``short.short_answer``)."""
        kind = lead_kind(question)
        if kind is None or not chosen:
            return None
        # The best quote only: a lower-ranked one holding a span of that kind is quoted alone
        # when it proves the answer, but leading with its span misled ("When did he start his
        # new job?" → "2022", the year he joined the course: heatpump, measured).
        best = min(selection.chosen, key=selection.rank)
        quoted_best = [p for p in chosen if p.chunk.id == best.chunk.id]  # maybe cut
        if not quoted_best:
            return None
        shown = quoted_best[0].text
        if language != self.source_language:
            shown = self.translation(shown) or shown
        return short_answer(kind, question, shown)

    def advice(
        self, everything: Sequence[Passage], retrieve: Retrieve, article: Article
    ) -> Advice | None:
        """What advice answers draw on: the hand-written profile's, else the story drafted
        from the article once (kept on disk), or None when the article tells none."""
        if self.profile.advice is not None:
            return self.profile.advice
        model = self.generator.name if self.generator else ""
        key = draft_key(everything, model)
        with self._lock:
            if self._drafted is not None and self._drafted[0] == key:
                return self._drafted[1]
        subjects = article.subjects

        def make() -> list[str]:
            question = STORY_QUESTION.get(self.source_language, STORY_QUESTION["en"])
            found, failures = self.choose(question, everything, retrieve(question))
            return [] if failures else story(found, everything, subjects)

        path = self.drafts_path
        quotes = load_or_draft(path, key, make, True) if path else make()
        drafted = drafted_advice(quotes or [], subjects)
        with self._lock:
            self._drafted = (key, drafted)
        return drafted

    def situation(
        self,
        question: str,
        asked: str,
        everything: Sequence[Passage],
        retrieve: Retrieve,
        article: Article,
    ) -> tuple[str, Advice] | None:
        """The question to advise on and what to draw on, when it is about the asker's own
        situation, else None. ``asked`` is the user's own wording when the question was
        rewritten from a follow-up: the rewriting may drop the "I" that makes it personal."""
        advice = self.advice(everything, retrieve, article)
        if advice is None:
            return None
        if asked and asked != question and is_situation(asked, advice):
            return f"{asked} {question}", advice
        return (question, advice) if is_situation(question, advice) else None

    def advise(
        self,
        question: str,
        language: str,
        advice: Advice,
        everything: Sequence[Passage],
        selection: Selection,
    ) -> Reply:
        """The advice answer: the story, the facts for the concerns raised (else the best
        sentences for the question besides the story) and what the article does not say."""
        ranked = [c.passage.text for c in selection.candidates]
        render = partial(self._quote, language)
        parts, followups = advise(question, language, advice, render, ranked)
        quotes = cited(parts)
        spans = [quoted(q, everything) for q in quotes]
        return Reply(
            " ".join(p.text for p in parts),
            build_citations(range(1, len(quotes) + 1), spans),
            abstained=False,
            model=ADVICE_NAME,
            kind="advice",
            parts=[AnswerPart(p.role, p.text) for p in parts],
            followups=followups,
        )

    def _quote(
        self, language: str, quote: str, n: int, cut: Callable[[str], str] | None = None
    ) -> tuple[str, str]:
        """A quote as shown (cut to a part when ``cut`` is given) and what it cites: in the
        article's language the part itself, else the sentence its checked translation is of."""
        if language == self.source_language:
            shown = cut(quote) if cut else quote
            return f"« {shown} » [{n}]", shown
        gloss = self.translation(quote)
        if gloss:
            return f"“{cut(gloss) if cut else gloss}” [{n}]", quote
        return f"« {quote} » [{n}]", quote

    def abstain(
        self,
        language: str,
        selection: Selection | None,
        reason: str,
        model: str,
        question: str = "",
    ) -> Reply:
        closest = selection.top.passage if selection and selection.top else None
        if closest is not None:  # a long sentence: its piece sharing most words with the question
            words = lemmas(question, language)
            closest = cut(closest, lambda t: len(words & lemmas(t, self.source_language)), -1.0)
        translate = self.translation if language != self.source_language else None
        return abstention(language, reason, closest, model, self.date, translate)

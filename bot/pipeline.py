"""condense → retrieve → generate → verify → Answer, composed in one place."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bot import extractive
from bot.abstain import ABSTAIN
from bot.cite import build_citations, verify
from bot.condense import condense, last_user_question
from bot.config import Settings
from bot.evidence import EvidencePath, question_part
from bot.facts import absent_facts
from bot.index import Index
from bot.language import LANGUAGE_NAMES, detect_language
from bot.llm import Generator, LLMUnavailable
from bot.profile import Profile
from bot.prompts import render
from bot.qtype import asking_part
from bot.retrieve import Passage, Retriever
from bot.select import numbered
from bot.split import runs
from bot.types import Answer, Draft, Event, Final, Reply
from bot.validate import clean_history, clean_question, strip_markup

log = logging.getLogger(__name__)

NOT_FOUND = "NOT_FOUND"
EXTRACTIVE_NAME = "extractive (no LLM)"
MESSAGES = {
    "fr": {
        "fallback": "Le modèle de langue n’est pas disponible ({reason}) : voici les extraits de "
        "l’article les plus pertinents.",
        "unsupported": "Des phrases de la réponse générée n’étaient pas appuyées par l’article et "
        "ont été retirées.",
    },
    "en": {
        "fallback": "The language model is unavailable ({reason}); showing the most relevant "
        "extracts of the article instead.",
        "unsupported": "Sentences of the generated answer that the article does not support were "
        "removed.",
    },
}


@dataclass
class Bot:
    """Everything an answer needs, injected: settings, index, retriever and (optional) LLM."""

    settings: Settings
    index: Index
    retriever: Retriever
    generator: Generator | None = None
    notices: list[str] = field(default_factory=list)  # e.g. why the LLM is not used
    evidence: EvidencePath | None = None  # the evidence-first path; None = free writing
    profile: Profile = field(default_factory=Profile)  # the corpus's own wording

    @property
    def model_name(self) -> str:
        return self.generator.name if self.generator else EXTRACTIVE_NAME

    def answer(self, question: str, history: Sequence[dict[str, Any]] | None = None) -> Answer:
        for event in self.stream(question, history):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("a stream always ends with its Final event")

    def stream(
        self, question: str, history: Sequence[dict[str, Any]] | None = None
    ) -> Iterator[Event]:
        """``Draft`` events while a model writes freely, then one ``Final`` with the Answer."""
        t0 = time.perf_counter()
        q = clean_question(question, self.settings.max_question_chars)
        hist = clean_history(history, self.settings.max_history_turns)
        default = detect_language(last_user_question(hist), "fr") if hist else "fr"
        language = detect_language(q, default)
        standalone = condense(
            q, hist, language, self.generator, self.settings.prompts_dir, self._vocabulary()
        )
        t1 = time.perf_counter()
        passages = self.retriever.retrieve(standalone)
        t2 = time.perf_counter()
        notices = list(self.notices)
        reply: Reply | None = None
        if self.evidence is not None:
            reply = self._from_evidence(standalone, language, passages, notices, q)
        elif self.generator is not None:
            try:
                for step in self._generate(standalone, language, passages):
                    if isinstance(step, Reply):
                        reply = step
                    else:
                        yield Draft(step)
            except LLMUnavailable as exc:
                log.warning("falling back to extractive: %s", exc)
                notices.append(MESSAGES[language]["fallback"].format(reason=exc))
        if reply is None:
            reply = self._extractive(q if not hist else standalone, language, passages)
            reply.fallback = self.generator is not None
        timings = {
            "condense_s": t1 - t0,
            "retrieve_s": t2 - t1,
            "total_s": time.perf_counter() - t0,
        }
        yield Final(reply.answer(language, standalone, notices, timings))

    def _from_evidence(
        self,
        standalone: str,
        language: str,
        retrieved: Sequence[Passage],
        notices: list[str],
        asked: str,
    ) -> Reply:
        assert self.evidence is not None
        path = self.evidence
        question = question_part(strip_markup(standalone))
        if not question:
            return path.abstain(language, None, "instruction", self.model_name)
        everything = self.retriever.all_passages()
        article = path.article(everything, self.index.version)
        situation = path.situation(question, asked, everything, self._ranked, article)
        shown, whole = self.prompt_passages(retrieved)
        if question != standalone or whole:
            retrieved = self._ranked(question)
        # A follow-up searched joined to the previous question asks what its own words ask.
        asking = asking_part(question, question_part(strip_markup(asked)))
        selection, failures = path.choose(question, shown, retrieved, language, asking)
        for reason in failures:
            notices.append(MESSAGES[language]["fallback"].format(reason=reason))
        if situation is not None:
            asked_about, advice = situation
            return path.advise(asked_about, language, advice, everything, selection)
        model = self.model_name
        if failures:
            model = EXTRACTIVE_NAME
        elif not selection.by_model and self.generator is not None:
            # A provider without token probabilities: retrieval ranked the evidence, the model
            # rewrote follow-ups and translated.
            model = f"{self.model_name}, evidence ranked by retrieval"
        reply, _ = path.answer(question, language, selection, article, whole, model, asking)
        reply.fallback = bool(failures)
        return reply

    def _ranked(self, question: str) -> list[Passage]:
        """Every sentence the model is shown, with its retrieval scores, best first: the
        selection fuses them with the model's choice."""
        everything = self.retriever.all_passages()
        whole = sum(len(p.text) for p in everything) <= self.settings.full_context_chars
        return self.retriever.retrieve(question, max(len(everything), 1) if whole else None)

    def _vocabulary(self) -> frozenset[str]:
        """The article's content words (and their translations'), when the evidence path
        knows them: what tells a follow-up that stands alone."""
        if self.evidence is None:
            return frozenset()
        return self.evidence.article(self.retriever.all_passages(), self.index.version).vocabulary

    def use_translations(self) -> None:
        """Search the cached translations too, and let the checks know them."""
        if self.evidence is None:
            return
        glosses = {}
        for p in self.retriever.all_passages():
            found = self.evidence.translator.cached(p.text)
            if found is not None and found.searchable:
                glosses[p.chunk.id] = found.text
        self.retriever.set_glosses(glosses)
        self.evidence.article(self.retriever.all_passages(), self.index.version, refresh=True)

    def prompt_passages(self, retrieved: Sequence[Passage]) -> tuple[list[Passage], bool]:
        """All chunks (and True) when the corpus is small enough to sit in the (cached)
        system prompt; otherwise the retrieved ones."""
        everything = self.retriever.all_passages()
        if sum(len(p.text) for p in everything) <= self.settings.full_context_chars:
            return everything, True
        return list(retrieved), False

    def messages(
        self, question: str, language: str, retrieved: Sequence[Passage]
    ) -> tuple[list[Any], list[Passage]]:
        """Chat messages and the numbered passages that [n] markers will refer to.

        With the whole corpus in the system prompt, that prompt is the same for every
        question, so llama.cpp reuses its cached state and only reads the question.
        """
        shown, whole = self.prompt_passages(retrieved)
        passages, hint = numbered(shown, retrieved)
        language_name = LANGUAGE_NAMES.get(self.profile.language, self.profile.language)
        prompts = self.settings.prompts_dir
        system = render("system", prompts, passages=passages, language=language_name)
        # Only the whole corpus can show that a figure or name of the question is nowhere in it.
        absent = absent_facts(question, " ".join(p.text for p in shown)) if whole else []
        premise = ""
        if absent:
            absent_list = ", ".join(f"« {a} »" for a in absent)
            premise = render(f"premise_{language}", prompts, absent=absent_list)
        user = render(
            f"question_{language}", prompts, hint=hint, premise=premise, question=question
        )
        return [SystemMessage(system), HumanMessage(user)], shown

    def _generate(
        self, standalone: str, language: str, retrieved: Sequence[Passage]
    ) -> Iterator[str | Reply]:
        """Free writing: the growing draft, then the verified reply."""
        assert self.generator is not None
        messages, passages = self.messages(standalone, language, retrieved)
        raw = ""
        for delta in self.generator.stream(messages, self.settings.llm_max_tokens):
            raw += delta
            head = raw.strip()[: len(NOT_FOUND)]
            if head and not NOT_FOUND.startswith(head):  # never show a half-typed NOT_FOUND
                yield raw
        if NOT_FOUND in raw or not retrieved:
            yield self._abstain(language, retrieved, self.generator.name)
            return
        checked = verify(raw, passages, self._similarity, standalone)
        if not checked.citations:
            reply = self._abstain(language, retrieved, self.generator.name)
            reply.support = checked.support
            yield reply
            return
        unsupported = any(not s.supported for s in checked.support)
        yield Reply(
            checked.text,
            checked.citations,
            abstained=False,
            notices=[MESSAGES[language]["unsupported"]] if unsupported else [],
            support=checked.support,
            model=self.generator.name,
        )

    def warm_up(self) -> None:
        """Load the models, fill the LLM's prompt cache and, for a corpus that fits the
        prompt, translate its sentences (cached on disk) before the first user arrives."""
        retrieved = self.retriever.retrieve("cloud")
        if self.generator is None:
            return
        try:
            if self.evidence is not None:
                shown, whole = self.prompt_passages(retrieved)
                self.evidence.choose("?", shown, retrieved)
                if whole:  # each sentence, and the pieces a long one can be quoted by
                    for p in shown:
                        self.evidence.translator.get(p.text)
                        for s, e in runs(p.text):
                            self.evidence.translator.get(p.text[s:e])
                self.use_translations()
                everything = self.retriever.all_passages()
                article = self.evidence.article(everything, self.index.version)
                advice = self.evidence.advice(everything, self._ranked, article)
                for quote in advice.quotes() if advice else []:
                    self.evidence.translator.get(quote)
            else:  # the cached system prompt is the same for FR and EN
                messages, _ = self.messages("?", "fr", retrieved)
                self.generator.complete(messages, max_tokens=1)
        except LLMUnavailable as exc:
            log.warning("warm-up failed: %s", exc)

    def _similarity(self, sentence: str, texts: list[str]) -> list[float]:
        vecs = self.index.embeddings.embed_documents([sentence, *texts])
        return [sum(a * b for a, b in zip(vecs[0], v, strict=True)) for v in vecs[1:]]

    def _extractive(self, question: str, language: str, passages: Sequence[Passage]) -> Reply:
        floor = getattr(self.index.embeddings, "unrelated_below", extractive.MIN_DENSE)
        chosen = extractive.select(question, passages, min_dense=floor)
        if not chosen:
            return self._abstain(language, passages, EXTRACTIVE_NAME)
        return Reply(
            extractive.compose(chosen, language, self.profile.language),
            build_citations([passages.index(p) + 1 for p in chosen], passages),
            abstained=False,
            model=EXTRACTIVE_NAME,
        )

    def _abstain(self, language: str, passages: Sequence[Passage], model: str) -> Reply:
        msg = ABSTAIN[language]  # the evidence path's wording
        if passages:
            text = msg[""] + msg["closest"].format(quote=f"« {passages[0].text} »")
            citations = build_citations([1], passages)
        else:
            summary = self.profile.text("summary", language)
            text, citations = msg[""] + (f" {summary}" if summary else ""), []
        return Reply(text, citations, abstained=True, model=model)

"""condense → retrieve → generate → verify → Answer, composed in one place."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bot import extractive
from bot.cite import build_citations, verify
from bot.condense import condense, last_user_question
from bot.config import Settings
from bot.evidence import EvidencePath, question_part
from bot.facts import absent_facts
from bot.index import Index
from bot.language import detect_language
from bot.llm import Generator, LLMUnavailable
from bot.prompts import render
from bot.retrieve import Passage, Retriever
from bot.types import Answer
from bot.validate import clean_history, clean_question, strip_markup

log = logging.getLogger(__name__)

NOT_FOUND = "NOT_FOUND"
MESSAGES = {
    "fr": {
        "abstain": "L’article ne le dit pas.",
        "closest": " Le passage le plus proche qu’il contient est [1] : « {quote} »",
        "nothing": " Il traite du programme d’Amazon pour former 29 millions de personnes au cloud "
        "d’ici 2025 et de la reconversion de Jarred Gaines.",
        "fallback": "Le modèle de langue n’est pas disponible ({reason}) : voici les extraits de "
        "l’article les plus pertinents.",
        "unsupported": "Des phrases de la réponse générée n’étaient pas appuyées par l’article et "
        "ont été retirées.",
    },
    "en": {
        "abstain": "The article does not say.",
        "closest": " The closest passage it has is [1]: « {quote} »",
        "nothing": " It covers Amazon’s plan to train 29 million people in cloud computing by 2025 "
        "and Jarred Gaines’s career change.",
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

    @property
    def model_name(self) -> str:
        return self.generator.name if self.generator else "extractive (no LLM)"

    def answer(self, question: str, history: Sequence[dict[str, Any]] | None = None) -> Answer:
        result: Answer | None = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    def stream(
        self, question: str, history: Sequence[dict[str, Any]] | None = None
    ) -> Iterator[str | Answer]:
        """Yields the growing draft text while the LLM writes, then the verified Answer."""
        t0 = time.perf_counter()
        q = clean_question(question, self.settings.max_question_chars)
        hist = clean_history(history, self.settings.max_history_turns)
        default = detect_language(last_user_question(hist), "fr") if hist else "fr"
        language = detect_language(q, default)
        standalone = condense(q, hist, language, self.generator, self.settings.prompts_dir)
        t1 = time.perf_counter()
        passages = self.retriever.retrieve(standalone)
        t2 = time.perf_counter()
        notices = list(self.notices)
        answer: Answer | None = None
        if self.evidence is not None:
            answer = self._from_evidence(standalone, language, passages, notices)
        elif self.generator is not None:
            try:
                for draft in self._generate(q, standalone, language, passages):
                    if isinstance(draft, Answer):
                        answer = draft
                    else:
                        yield draft
            except LLMUnavailable as exc:
                log.warning("falling back to extractive: %s", exc)
                notices.append(MESSAGES[language]["fallback"].format(reason=exc))
        if answer is None:
            answer = self._extractive(q if not hist else standalone, language, passages)
            answer.model = "extractive (no LLM)"
        answer.standalone_question = standalone
        answer.notices = notices + answer.notices
        answer.timings = {
            "condense_s": t1 - t0,
            "retrieve_s": t2 - t1,
            "total_s": time.perf_counter() - t0,
        }
        yield answer

    def _from_evidence(
        self, standalone: str, language: str, retrieved: Sequence[Passage], notices: list[str]
    ) -> Answer:
        assert self.evidence is not None
        path = self.evidence
        question = question_part(strip_markup(standalone))
        if not question:
            answer = path.abstain(language, None, "instruction")
            answer.model = self.model_name
            return answer
        advice = path.advise(question, language, self.retriever.all_passages())
        if advice is not None:
            advice.model = "advice from the article (no LLM writing)"
            return advice
        if question != standalone:
            retrieved = self.retriever.retrieve(question)
        shown, whole = self.prompt_passages(retrieved)
        selection, failures = path.choose(question, shown, retrieved)
        for reason in failures:
            notices.append(MESSAGES[language]["fallback"].format(reason=reason))
        article = path.article(self.retriever.all_passages(), self.index.version)
        answer, _ = path.answer(question, language, selection, article, whole)
        answer.model = self.model_name if selection.by_model else "extractive (no LLM)"
        return answer

    def use_translations(self) -> None:
        """Search the cached translations too, and let the checks know them."""
        if self.evidence is None:
            return
        glosses = {}
        for p in self.retriever.all_passages():
            found = self.evidence.translator.cached(p.text)
            if found is not None and found.ok:
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
        numbered = "\n".join(f"[{i}] {p.text}" for i, p in enumerate(shown, start=1))
        ids = [p.chunk.id for p in shown]
        # The best passages again, next to the question, where a small model attends most.
        hint = "\n".join(f"[{ids.index(p.chunk.id) + 1}] {p.text}" for p in retrieved[:3])
        prompts = self.settings.prompts_dir
        system = render("system", prompts, passages=numbered)
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
        self, question: str, standalone: str, language: str, retrieved: Sequence[Passage]
    ) -> Iterator[str | Answer]:
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
            answer = self._abstain(language, retrieved, self.generator.name)
            answer.support = checked.support
            yield answer
            return
        notices = []
        if any(not s.supported for s in checked.support):
            notices.append(MESSAGES[language]["unsupported"])
        yield Answer(
            text=checked.text,
            citations=checked.citations,
            abstained=False,
            language=language,
            standalone_question=standalone,
            notices=notices,
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
                if whole:
                    for p in shown:
                        self.evidence.translator.get(p.text)
                advice = self.evidence.profile.advice
                for quote in advice.quotes() if advice else []:
                    self.evidence.translator.get(quote)
                self.use_translations()
            else:  # the cached system prompt is the same for FR and EN
                messages, _ = self.messages("?", "fr", retrieved)
                self.generator.complete(messages, max_tokens=1)
        except LLMUnavailable as exc:
            log.warning("warm-up failed: %s", exc)

    def _similarity(self, sentence: str, texts: list[str]) -> list[float]:
        vecs = self.index.embeddings.embed_documents([sentence, *texts])
        return [sum(a * b for a, b in zip(vecs[0], v, strict=True)) for v in vecs[1:]]

    def _extractive(self, question: str, language: str, passages: Sequence[Passage]) -> Answer:
        chosen = extractive.select(question, passages)
        if not chosen:
            return self._abstain(language, passages, "extractive (no LLM)")
        return Answer(
            text=extractive.compose(chosen, language),
            citations=build_citations([passages.index(p) + 1 for p in chosen], passages),
            abstained=False,
            language=language,
            standalone_question=question,
        )

    def _abstain(self, language: str, passages: Sequence[Passage], model: str) -> Answer:
        msg = MESSAGES[language]
        if passages:
            text = msg["abstain"] + msg["closest"].format(quote=passages[0].text)
            citations = build_citations([1], passages)
        else:
            text, citations = msg["abstain"] + msg["nothing"], []
        return Answer(text, citations, True, language, "", model=model)


_default: Bot | None = None
_default_lock = threading.Lock()


def build_bot(settings: Settings | None = None, ingest: bool = True) -> Bot:
    """The real bot: bundled embedder, Chroma index (built or updated), LLM per settings."""
    from bot.config import get_settings
    from bot.corpus import load_corpus
    from bot.llm import load_generator

    settings = settings or get_settings()
    index = default_index(settings)
    if ingest:
        index.ingest(load_corpus(settings.corpus_dir))
    notices = []
    generator = None
    try:
        generator = load_generator(settings)
    except LLMUnavailable as exc:
        log.warning("LLM unavailable: %s", exc)
        notices.append(f"LLM unavailable ({exc}); answers are extracts of the article.")
    bot = Bot(settings, index, Retriever(index, settings.top_k), generator, notices)
    if settings.answering == "evidence":
        bot.evidence = evidence_path(settings, generator, load_corpus(settings.corpus_dir))
        bot.use_translations()
    return bot


def evidence_path(
    settings: Settings, generator: Generator | None, documents: list[Any]
) -> EvidencePath:
    """The evidence path with its translations cache and the bundled calibrator."""
    from bot.decide import Calibrator
    from bot.profile import load_profile
    from bot.translate import Translator

    meta = documents[0].metadata if documents else {}
    profile = load_profile(settings.corpus_dir, "\n".join(d.text for d in documents))
    name = (
        "calibration.json"
        if generator is not None and generator.can_choose
        else "calibration_extractive.json"
    )
    return EvidencePath(
        generator,
        Translator(generator, settings.data_dir / "translations.json", settings.prompts_dir),
        Calibrator.bundled(name),
        settings.prompts_dir,
        source_language=meta.get("language", "fr"),
        date=meta.get("date", ""),
        profile=profile,
    )


def default_index(settings: Settings) -> Index:
    """The index for the configured embedder (no LLM is loaded)."""
    from bot.embed import default_embeddings, embeddings_key

    embeddings = default_embeddings(settings.embedder, settings.models_dir)
    return open_index(settings, f"{settings.collection}-{embeddings_key(embeddings)}", embeddings)


def open_index(settings: Settings, name: str, embeddings: Any) -> Index:
    """The index, or a fresh one when the embedded store is unreadable (rebuilt by ingest)."""
    from bot.index import make_client, reset_client_cache

    try:
        index = Index(make_client(settings.chroma_url, str(settings.chroma_dir)), embeddings, name)
        index.count()
        return index
    except Exception as exc:
        if settings.chroma_url:
            raise
        aside = settings.chroma_dir.with_name(
            f"{settings.chroma_dir.name}.corrupt-{time.time():.0f}"
        )
        log.warning(
            "index at %s is unreadable (%s: %s); moved to %s, rebuilding from %s",
            settings.chroma_dir,
            type(exc).__name__,
            exc,
            aside,
            settings.corpus_dir,
        )
        reset_client_cache()
        if settings.chroma_dir.exists():
            settings.chroma_dir.rename(aside)
        return Index(make_client("", str(settings.chroma_dir)), embeddings, name)


def get_bot() -> Bot:
    global _default
    with _default_lock:
        if _default is None:
            _default = build_bot()
        return _default


def answer(question: str, history: Sequence[dict[str, Any]] | None = None) -> Answer:
    """Answer a question about the article, with verbatim citations."""
    return get_bot().answer(question, history)

"""Construction of the real bot: embedder, Chroma index (built or repaired), LLM, evidence path,
and the process-wide default bot behind ``bot.answer()``. Answering itself is ``bot.pipeline``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.config import Settings
from bot.evidence import EvidencePath
from bot.index import Index
from bot.llm import Generator, LLMUnavailable
from bot.pipeline import Bot
from bot.profile import Profile
from bot.retrieve import Retriever
from bot.types import Answer

log = logging.getLogger(__name__)

_default: Bot | None = None
_default_lock = threading.Lock()


def build_bot(settings: Settings | None = None, ingest: bool = True) -> Bot:
    """The real bot: bundled embedder, Chroma index (built or updated), LLM per settings."""
    from bot.config import get_settings
    from bot.corpus import load_corpus
    from bot.llm import load_generator
    from bot.profile import load_profile

    settings = settings or get_settings()
    index = default_index(settings)
    documents = load_corpus(settings.corpus_dir)
    if ingest:
        index.ingest(documents)
    notices = []
    generator = None
    try:
        generator = load_generator(settings)
    except LLMUnavailable as exc:
        log.warning("LLM unavailable: %s", exc)
        notices.append(f"LLM unavailable ({exc}); answers are extracts of the article.")
    bot = Bot(settings, index, Retriever(index, settings.top_k), generator, notices)
    profile = load_profile(settings.corpus_dir, "\n".join(d.text for d in documents))
    language = documents[0].metadata.get("language", "en") if documents else "en"
    bot.profile = replace(profile, language=language)
    if settings.answering == "evidence":
        bot.evidence = evidence_path(settings, generator, documents, profile)
        bot.use_translations()
    return bot


def evidence_path(
    settings: Settings,
    generator: Generator | None,
    documents: list[Any],
    profile: Profile | None = None,
) -> EvidencePath:
    """The evidence path with its translations cache and the bundled calibrator; the corpus
    profile is read from ``settings.corpus_dir`` unless given."""
    from bot.decide import Calibrator
    from bot.facts import inner_names
    from bot.profile import load_profile
    from bot.translate import Translator

    meta = documents[0].metadata if documents else {}
    text = "\n".join(d.text for d in documents)
    if profile is None:
        profile = load_profile(settings.corpus_dir, text)
    name = (
        "calibration.json"
        if generator is not None and generator.can_choose
        else "calibration_extractive.json"
    )
    return EvidencePath(
        generator,
        Translator(
            generator,
            settings.data_dir / "translations.json",
            settings.prompts_dir,
            source=meta.get("language", "en"),
            names=frozenset(inner_names(text)),
        ),
        Calibrator.bundled(name),
        settings.prompts_dir,
        source_language=meta.get("language", "en"),
        date=meta.get("date", ""),
        profile=profile,
        drafts_path=settings.data_dir / "drafts.json",
        answer_chars=settings.answer_chars,
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

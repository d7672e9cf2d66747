"""In-process measurements of the project and of the textbook baseline, on shared models."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import synthetic
from bench.stats import repeat, summary, timed
from bot.config import Settings
from bot.index import Index, make_client
from bot.pipeline import Bot
from bot.retrieve import Retriever
from bot.types import Draft, Final
from evals.textbook import Textbook


def isolated_settings(base: Settings, data_dir: Path) -> Settings:
    """The same settings on a private data dir (models shared by symlink), so the bench
    neither disturbs nor depends on the index other processes use."""
    data_dir.mkdir(parents=True, exist_ok=True)
    link = data_dir / "models"
    if not link.exists():
        link.symlink_to(base.models_dir.resolve(), target_is_directory=True)
    return base.model_copy(update={"data_dir": data_dir})


def time_stream(stream: Iterable[Any]) -> dict[str, Any]:
    """Time to the first visible output, total time, and the final text.

    The project's stream yields ``Draft`` events while a model writes freely and ends with a
    ``Final``; the textbook's yields text deltas. The first output is the first non-empty
    text, or the final answer when nothing was drafted (evidence answers are not drafted).
    """
    t0 = time.perf_counter()
    first, parts, last = None, [], None
    for item in stream:
        text = item.text if isinstance(item, Draft) else item if isinstance(item, str) else ""
        if first is None and (isinstance(item, Final) or text):
            first = time.perf_counter() - t0
        if text:
            parts.append(text)
        last = item
    run = {"ttft": first, "total": time.perf_counter() - t0, "drafted": bool(parts)}
    if isinstance(last, Final):
        a = last.answer
        return run | {
            "text": a.text,
            "abstained": a.abstained,
            "fell_back": a.fallback,
            "kind": a.kind,
        }
    return run | {"text": "".join(parts), "abstained": None, "fell_back": False}


def answers(
    stream: Callable[[str], Iterable[Any]],
    questions: list[str],
    reps: int,
    desc: str,
    deadline: float = float("inf"),
    minimum: int = 2,
) -> dict[str, Any]:
    """TTFT and total over ``reps`` passes of the questions; texts of the first pass.

    Past ``deadline`` (a time.time() value) no new question is asked once ``minimum`` are done.
    """
    planned = [q for _ in range(reps) for q in questions]
    runs = []
    for q in tqdm(planned, desc=desc, unit="q"):
        if len(runs) >= minimum and time.time() > deadline:
            break
        runs.append(time_stream(stream(q)) | {"question": q})
    return {
        "ttft_s": summary(r["ttft"] for r in runs if r["ttft"] is not None),
        "total_s": summary(r["total"] for r in runs),
        "runs": len(runs),
        "skipped_for_time": len(planned) - len(runs),
        "no_draft": sum(not r["drafted"] for r in runs),
        "abstained": sum(bool(r["abstained"]) for r in runs),
        "fell_back_to_extractive": sum(r["fell_back"] for r in runs),
        "samples": [
            {k: r[k] for k in ("question", "text", "ttft", "total", "abstained")}
            for r in runs[: len(questions)]
        ],
    }


def warm_up(bot: Bot) -> None:
    """``bot.warm_up()``, then wait until the LLM is idle: a warm-up call that hit the time
    limit goes on reading the prompt in the background and would skew what is timed next."""
    bot.warm_up()
    if bot.generator is not None:
        with bot.generator.exclusive():
            pass


def answering_messages(bot: Bot, question: str) -> list[Any]:
    """The prompt the project has the LLM read for a question: the evidence path's selection
    prompt (the default), or the free path's messages."""
    from bot.language import detect_language
    from bot.select import messages as selection

    retrieved = bot.retriever.retrieve(question)
    if bot.evidence is not None:
        shown, _ = bot.prompt_passages(retrieved)
        return selection(question, shown, retrieved, bot.settings.prompts_dir)
    return bot.messages(question, detect_language(question, "fr"), retrieved)[0]


def restore_prompt_cache(bot: Bot) -> None:
    """Put back the LLM state of the project's cached system prompt, which the textbook's
    calls replaced, so the first timed question does not pay for reading it again."""
    if bot.generator is not None:
        bot.generator.restore(answering_messages(bot, "cloud"))


def advice(bot: Bot, questions: list[str], reps: int) -> dict[str, Any]:
    """Advice answers: time to the first visible output and to the whole answer, and their
    length (the answers' own limit is 1,200 characters)."""
    runs = [time_stream(bot.stream(q)) for _ in range(reps) for q in questions]
    return {
        "ttft_s": summary(r["ttft"] for r in runs if r["ttft"] is not None),
        "total_s": summary(r["total"] for r in runs),
        "chars_max": max(len(r["text"]) for r in runs),
        "advice_share": round(sum(r["kind"] == "advice" for r in runs) / len(runs), 2),
    }


def retrieval(bot: Bot, rag: Textbook, questions: list[str], reps: int) -> dict[str, Any]:
    """Per-question retrieval latency (query embedding included) on both sides."""
    embed = bot.index.embeddings.embed_query
    for q in questions:  # warm caches (BM25 index, tokenizer) before timing
        bot.retriever.retrieve(q), rag.retrieve(q)
    return {
        "project_ms": summary(repeat(bot.retriever.retrieve, questions, reps), 1000),
        "textbook_ms": summary(repeat(rag.retrieve, questions, reps), 1000),
        "query_embed_ms": summary(repeat(embed, questions, reps), 1000),
        "query_embed_1_thread_ms": one_thread(lambda: repeat(embed, questions, reps), 1000),
    }


def one_thread(fn: Callable[[], list[float]], scale: float) -> dict[str, Any]:
    """``fn``'s timings with torch limited to one intra-op thread (then restored)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return summary(fn(), scale)
    finally:
        torch.set_num_threads(before)


def extractive(bot: Bot, questions: list[str], reps: int) -> dict[str, Any]:
    """A second Bot on the same index, without an LLM."""
    settings = bot.settings.model_copy(update={"llm": "extractive"})
    plain = Bot(settings, bot.index, Retriever(bot.index, settings.top_k), generator=None)
    for q in questions:
        plain.answer(q)
    return {"answer_ms": summary(repeat(plain.answer, questions, reps), 1000)}


def ingestion(embeddings: Any, n: int) -> dict[str, Any]:
    """Embed + add ``n`` synthetic sentence chunks into fresh collections, both ways."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    chunks = synthetic.chunks(n, seed=1)
    texts = [c.context for c in chunks]
    embeddings.embed_documents(texts[:8])  # model loaded, kernels warm
    embed_s, _ = timed(lambda: embeddings.embed_documents(texts))
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        index = Index(make_client("", f"{tmp}/project"), embeddings, "ingest")
        project_s, _ = timed(lambda: index.add_chunks(chunks))
        store = Chroma(
            "ingest",
            embeddings,
            f"{tmp}/textbook",
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        textbook_s, _ = timed(lambda: store.add_texts(texts))
    return {
        "chunks": n,
        "embed_only_chunks_per_s": round(n / embed_s, 1),
        "project_chunks_per_s": round(n / project_s, 1),
        "textbook_chunks_per_s": round(n / textbook_s, 1),
    }


def prompt_tokens(bot: Bot, rag: Textbook, questions: list[str]) -> dict[str, Any]:
    """Prompt sizes, in model tokens: what each pipeline makes the LLM read per question."""
    generator = bot.generator
    if generator is None or generator.count_tokens("?") is None:
        return {}

    def count(messages: list[Any]) -> int:
        return generator.count_tokens("\n".join(str(m.content) for m in messages)) or 0

    project, textbook = [], []
    for q in questions:
        system, user = answering_messages(bot, q)
        project.append((count([system]), count([user])))
        textbook.append(count(rag.messages(q, rag.retrieve(q))))
    return {
        "project_cached_system": summary(s for s, _ in project),
        "project_per_question": summary(u for _, u in project),
        "textbook_per_question": summary(textbook),
    }

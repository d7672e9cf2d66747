"""The benchmark's three stages; each returns the result keys it measured."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import coldstart, scaling
from bench.stats import peak_rss_mb, timed

Log = Callable[[str], None]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _cold_runs(reps: int, textbook: bool, question: str, log: Log) -> list[dict[str, Any]]:
    runs = []
    for i in range(reps):
        log(f"cold start {'textbook' if textbook else 'project'} {i + 1}/{reps}")
        runs.append(coldstart.first_answer(question, textbook=textbook))
    return runs


def cold(config: Any, question: str, log: Log) -> dict[str, Any]:
    """Fresh processes, run before this process loads any model."""
    project = _cold_runs(config.cold_reps, False, question, log)
    textbook = _cold_runs(config.baseline_cold_reps, True, question, log)
    ui = []
    for i in range(config.ui_reps):
        log(f"UI ready {i + 1}/{config.ui_reps}")
        ui.append(coldstart.ui_ready())
    ok = [r for r in project if "error" not in r]
    ok_tb = [r for r in textbook if "error" not in r]
    ready = [r["ready_s"] for r in ui if r.get("ready_s") is not None]
    rss = [r["rss_mb"] for r in ok] + [r["rss_mb"] for r in ui if r.get("rss_mb")]
    notes = [f"UI ready not measured: {r['reason']}" for r in ui[:1] if r.get("reason")]
    notes += [f"cold start failed: {r['error']}" for r in project + textbook if "error" in r]
    if not config.baseline_cold_reps:
        notes.append("textbook cold start skipped in the quick run")
    return {
        "cold_start_s": _median([r["answer_s"] for r in ok]),
        "baseline_cold_start_s": _median([r["answer_s"] for r in ok_tb]),
        "ui_ready_s": _median(ready),
        "peak_rss_mb": round(max(rss), 1) if rss else None,
        "baseline_peak_rss_mb": round(max(r["rss_mb"] for r in ok_tb), 1) if ok_tb else None,
        "details": {"cold_start": project, "baseline_cold_start": textbook, "ui": ui},
        "notes": notes,
    }


# Top-level result keys, read from the details the in-process stage collects.
FLAT = {
    "retrieval_p50_ms": "retrieval.project_ms.p50",
    "retrieval_p95_ms": "retrieval.project_ms.p95",
    "baseline_retrieval_p50_ms": "retrieval.textbook_ms.p50",
    "baseline_retrieval_p95_ms": "retrieval.textbook_ms.p95",
    "query_embed_p50_ms": "retrieval.query_embed_ms.p50",
    "query_embed_1_thread_p50_ms": "retrieval.query_embed_1_thread_ms.p50",
    "extractive_p50_ms": "extractive.answer_ms.p50",
    "extractive_p95_ms": "extractive.answer_ms.p95",
    "ingest_chunks_per_s": "ingestion.project_chunks_per_s",
    "baseline_ingest_chunks_per_s": "ingestion.textbook_chunks_per_s",
    "ttft_p50_s": "answers.ttft_s.p50",
    "ttft_p95_s": "answers.ttft_s.p95",
    "answer_p50_s": "answers.total_s.p50",
    "answer_p95_s": "answers.total_s.p95",
    "baseline_ttft_p50_s": "baseline_answers.ttft_s.p50",
    "baseline_ttft_p95_s": "baseline_answers.ttft_s.p95",
    "baseline_answer_p50_s": "baseline_answers.total_s.p50",
    "baseline_answer_p95_s": "baseline_answers.total_s.p95",
    "advice_first_p50_s": "advice.ttft_s.p50",
    "advice_answer_p50_s": "advice.total_s.p50",
    "advice_answer_p95_s": "advice.total_s.p95",
    "advice_chars_max": "advice.chars_max",
}


def flatten(details: dict[str, Any]) -> dict[str, Any]:
    """The FLAT keys whose section is in ``details``, plus the details themselves."""
    from bench.report import get

    found = {k: get(details, path) for k, path in FLAT.items() if path.split(".")[0] in details}
    return found | {"details": details}


def _setup(tmp: str, log: Log) -> tuple[Any, Any, dict[str, float]]:
    """The project bot (built and warmed up) and the textbook pipeline on the same models."""
    from bench import project
    from bot.build import build_bot
    from bot.config import get_settings
    from bot.corpus import load_corpus
    from evals.textbook import Textbook

    settings = project.isolated_settings(get_settings(), Path(tmp) / "data")
    log("building the project bot (embedder, index, LLM)")
    build_s, bot = timed(lambda: build_bot(settings))
    log("warm-up (loads models, fills the prompt cache)")
    warm_s, _ = timed(lambda: project.warm_up(bot))
    rag = Textbook(load_corpus(settings.corpus_dir), bot.index.embeddings, bot.generator,
                   f"{tmp}/textbook", max_tokens=settings.llm_max_tokens)  # fmt: skip
    return bot, rag, {"build_s": round(build_s, 2), "warm_up_s": round(warm_s, 2)}


def in_process(config: Any, questions: list[str], log: Log, llm_deadline: float) -> dict:
    """Project and textbook side by side in this process, sharing the embedder and the LLM.

    LLM questions stop being asked after ``llm_deadline`` (a time.time() value).
    """
    from bench import project

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        bot, rag, out = _setup(tmp, log)
        log("retrieval latency, both pipelines")
        details = {"retrieval": project.retrieval(bot, rag, questions, config.retrieval_reps)}
        log("extractive answers")
        details["extractive"] = project.extractive(bot, questions, config.extractive_reps)
        log(f"ingestion throughput ({config.ingest_chunks} chunks, real embedder)")
        details["ingestion"] = project.ingestion(bot.index.embeddings, config.ingest_chunks)
        out = merge(out, flatten(details))
        if bot.generator is None:
            out["notes"].append(f"no LLM, answer latency not measured: {bot.notices}")
        else:
            out = merge(out, llm_answers(config, questions, bot, rag, log, llm_deadline))
        out["bench_peak_rss_mb"] = peak_rss_mb()
    return out


# Questions about the asker's own situation (not from the gold set), for advice answers.
ADVICE_QUESTIONS = [
    "J’ai 44 ans et je suis caissière. Est-ce que je peux encore me reconvertir dans le cloud ?",
    "I'm a 29-year-old waiter who lost my job. What would I need to do to follow Gaines's path?",
    "Je n’ai pas le bac, est-ce que cette formation est faite pour moi ?",
    "I'm a nurse thinking about a career change. Could this programme help me?",
]


def llm_answers(
    config: Any, questions: list[str], bot: Any, rag: Any, log: Log, deadline: float
) -> dict[str, Any]:
    """Textbook first, then the project; each gets at most half the time left for the LLM."""
    from bench import project

    some = questions[: config.baseline_questions]
    log(f"textbook answers: {len(some)} questions x {config.baseline_reps} (no prompt cache)")
    half = time.time() + (deadline - time.time()) / 2
    theirs = project.answers(
        rag.stream, some, config.baseline_reps, "textbook", half, config.llm_minimum
    )
    project.restore_prompt_cache(bot)
    asked = questions[: config.answer_questions]
    log(f"project answers: {len(asked)} questions x {config.answer_reps}")
    mine = project.answers(
        bot.stream, asked, config.answer_reps, "project", deadline, config.llm_minimum
    )
    notes = [
        f"{side}: {r['skipped_for_time']} of {r['runs'] + r['skipped_for_time']} LLM questions "
        "skipped to keep the run within its time budget"
        for side, r in (("textbook", theirs), ("project", mine))
        if r["skipped_for_time"]
    ]
    log(f"advice answers: {len(ADVICE_QUESTIONS)} questions about the asker's situation")
    advice = project.advice(bot, ADVICE_QUESTIONS, config.answer_reps)
    tokens = project.prompt_tokens(bot, rag, questions)
    details = {"answers": mine, "baseline_answers": theirs, "prompt_tokens": tokens}
    details["advice"] = advice
    return flatten(details) | {"notes": notes}


def store_scaling(config: Any, questions: list[str], log: Log) -> dict[str, Any]:
    result = scaling.run(list(config.sizes), questions, config.scaling_reps, progress=log)
    return {"scaling": result}


def load(config: Any, questions: list[str], log: Log) -> dict[str, Any]:
    """The served app under 1, 5 and 20 users, local model and extractive (bench/load.py)."""
    from bench import load as served

    return {"load": served.run(questions, config.load_duration_s, log)}


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys of b override a; "details" merge and "notes" add up."""
    out = a | {k: v for k, v in b.items() if k not in ("details", "notes")}
    out["details"] = a.get("details", {}) | b.get("details", {})
    out["notes"] = a.get("notes", []) + b.get("notes", [])
    return out

"""`make bench`: the project against a textbook LangChain RAG on the same machine and models,
then the served app under 1, 5 and 20 concurrent users (bench/load.py).

BENCH_QUICK=1 runs fewer repetitions, the 1k/10k store sizes only and 15 s per load level.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.stats import peak_rss_mb, timed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
GOLD = ROOT / "eval" / "gold.jsonl"
COLD_QUESTION = "Combien de personnes Amazon veut-elle former ?"
T0 = time.time()


@dataclass(frozen=True)
class Config:
    questions: int = 10  # for retrieval, extractive answers and the store sizes
    answer_questions: int = 10  # of those, asked to the project's LLM
    answer_reps: int = 2
    baseline_questions: int = 10  # asked to the textbook (~20-40 s each: no prompt cache)
    baseline_reps: int = 1
    retrieval_reps: int = 10
    extractive_reps: int = 10
    cold_reps: int = 2
    baseline_cold_reps: int = 1
    ui_reps: int = 2
    ingest_chunks: int = 300
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    scaling_reps: int = 5
    load_duration_s: float = 60.0  # per number of concurrent users, per mode
    llm_minimum: int = 2  # questions asked per side even past the deadline
    budget_s: float = 1140  # LLM questions stop early so the run ends within this…
    scaling_reserve_s: float = 330  # …leaving this much for the store sizes


QUICK = Config(
    questions=6,
    answer_questions=4,
    answer_reps=1,
    baseline_questions=2,
    retrieval_reps=2,
    extractive_reps=2,
    cold_reps=1,
    baseline_cold_reps=0,
    ui_reps=1,
    ingest_chunks=100,
    sizes=(1_000, 10_000),
    scaling_reps=3,
    load_duration_s=15.0,
    llm_minimum=1,
    budget_s=285,
    scaling_reserve_s=25,
)


def log(message: str) -> None:
    print(f"[bench {time.time() - T0:6.1f}s] {message}", flush=True)


def pick_questions(n: int) -> list[str]:
    """Answerable single-turn gold questions, alternating French and English, spread out."""
    rows = [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]
    usable = [r for r in rows if r["answerable"] and not r.get("history")]
    by_lang = {lang: [r["question"] for r in usable if r["lang"] == lang] for lang in ("fr", "en")}
    half = (n + 1) // 2
    picked = {lang: qs[:: max(1, len(qs) // half)][:half] for lang, qs in by_lang.items()}
    mixed = [q for pair in zip(picked["fr"], picked["en"], strict=False) for q in pair]
    return mixed[:n]


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for name in ("torch", "llama_cpp", "chromadb", "langchain_core", "sentence_transformers"):
        try:
            info[name] = __import__(name).__version__
        except Exception:  # a missing library is reported, not fatal
            info[name] = None
    return info


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return None
    return (out.stdout.strip() + ("+dirty" if dirty else "")) or None


def empty_results(quick: bool, config: Config) -> dict[str, Any]:
    """Every reported key, None until measured."""
    keys = """
        retrieval_p50_ms retrieval_p95_ms baseline_retrieval_p50_ms baseline_retrieval_p95_ms
        query_embed_p50_ms query_embed_1_thread_p50_ms
        ttft_p50_s ttft_p95_s baseline_ttft_p50_s baseline_ttft_p95_s
        answer_p50_s answer_p95_s baseline_answer_p50_s baseline_answer_p95_s
        advice_first_p50_s advice_answer_p50_s advice_answer_p95_s advice_chars_max
        extractive_p50_ms extractive_p95_ms
        cold_start_s baseline_cold_start_s ui_ready_s build_s warm_up_s
        ingest_chunks_per_s baseline_ingest_chunks_per_s
        peak_rss_mb baseline_peak_rss_mb bench_peak_rss_mb
    """.split()
    return dict.fromkeys(keys) | {
        "scaling": {},
        "load": {},
        "details": {},
        "notes": [],
        "quick": quick,
        "config": asdict(config),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": git_commit(),
        "machine": machine(),
    }


def _stage(results: dict[str, Any], name: str, run: Any) -> dict[str, Any]:
    from bench.stages import merge

    seconds, measured = timed(run)
    results = merge(results, measured)
    info = {"s": round(seconds, 1), "loadavg_after": round(os.getloadavg()[0], 2)}
    results["details"].setdefault("stages", {})[name] = info
    return results


def main() -> None:
    from bench import load, report, stages

    quick = os.environ.get("BENCH_QUICK", "").lower() in {"1", "true", "yes"}
    config = QUICK if quick else Config()
    questions = pick_questions(config.questions)
    llm_deadline = T0 + config.budget_s - config.scaling_reserve_s
    log(f"{'quick' if quick else 'full'} run; {len(questions)} questions; {config}")
    results = empty_results(quick, config)
    results = _stage(results, "cold", lambda: stages.cold(config, COLD_QUESTION, log))
    results = _stage(
        results, "in_process", lambda: stages.in_process(config, questions, log, llm_deadline)
    )
    results = _stage(results, "scaling", lambda: stages.store_scaling(config, questions, log))
    results = _stage(results, "load", lambda: stages.load(config, questions, log))
    results["details"]["questions"] = questions
    results["bench_peak_rss_after_scaling_mb"] = peak_rss_mb()
    results["duration_s"] = round(time.time() - T0, 1)
    paths = report.write_all(results, RESULTS)
    print("\n".join(report.table(results) + [""] + load.table(results["load"])))
    log("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in paths.values()))


if __name__ == "__main__":
    main()

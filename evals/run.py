"""Run answer() over eval/gold.jsonl and report the metrics per mode (``python -m bot eval``)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.config import get_settings
from evals.calibrate import fit_and_write, signals_report
from evals.metrics import Score, fold_of, score_case

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold.jsonl"
RESULTS = ROOT / "eval" / "results"
GATE = ROOT / "eval" / "gate.json"
METRICS = [
    ("answer_accuracy", "answer accuracy", "≥ 0.90"),
    ("evidence_hit", "evidence hit", "≥ 0.95"),
    ("citation_validity", "citation validity", "= 1.00"),
    ("citation_recall", "citation recall (ALCE-style)", ""),
    ("citation_precision", "citation precision (ALCE-style)", ""),
    ("abstention", "abstention on unanswerables", "≥ 0.90"),
    ("false_abstention", "false abstention on answerables", "≤ 0.10"),
    ("language_match", "language match", "≥ 0.95"),
    ("yes_no_accuracy", "yes/no accuracy", ""),
    ("yes_no_polarity", "yes/no polarity (answered ones)", "≥ 0.95"),
    ("situation_rubric", "career-situation rubric", "≥ 0.90"),
    ("situation_precision", "situation detection precision", ""),
    ("situation_recall", "situation detection recall", ""),
    ("median_chars", "median answer length, facts (characters)", "≤ 300"),
    ("max_chars", "longest answer, facts (characters)", "≤ 600"),
    ("max_chars_advice", "longest advice answer (characters)", "≤ 900"),
    ("short_given", "short answer given (answered facts)", ""),
    ("short_key_fact", "short answer holds a key fact", ""),
    ("short_verbatim", "short answer copied from its quote", "= 1.00"),
    ("median_latency_s", "median latency (s)", ""),
]
LOWER_IS_BETTER = {
    "false_abstention",
    "median_latency_s",
    "median_chars",
    "max_chars",
    "max_chars_advice",
}


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def set_name(path: Path) -> str:
    """A case file's set: its stem, or its folder for a second article's ``cases.jsonl``."""
    return path.parent.name if path.stem == "cases" else path.stem


def _ratio(num: float, den: float) -> float | None:
    """num / den, or None when there is nothing to measure (shown as "–", never as 1.00)."""
    return round(num / den, 3) if den else None


def summarise(cases: list[dict[str, Any]], scores: list[Score]) -> dict[str, float | None]:
    ans = [s for c, s in zip(cases, scores, strict=True) if c["answerable"]]
    un = [s for c, s in zip(cases, scores, strict=True) if not c["answerable"]]
    yn = [s for s in scores if s.yesno]
    sit = [s for s in scores if s.category == "situation"]
    facts = [s.chars for s in scores if not s.advice]  # what a reader gets, abstentions included
    answered = [s for s in scores if not s.advice and not s.abstained]
    return {
        "cases": len(scores),
        "answer_accuracy": _ratio(sum(s.correct for s in scores), len(scores)),
        "evidence_hit": _ratio(sum(bool(s.evidence_hit) for s in ans), len(ans)),
        "citation_validity": _ratio(
            sum(s.citations_valid for s in scores), sum(s.citations_total for s in scores)
        ),
        "citation_recall": _ratio(
            sum(s.sentences_supported for s in ans), sum(s.sentences for s in ans)
        ),
        "citation_precision": _ratio(
            sum(s.citations_precise for s in ans if not s.abstained),
            sum(s.citations_total for s in ans if not s.abstained),
        ),
        "abstention": _ratio(sum(s.abstained for s in un), len(un)),
        "false_abstention": _ratio(sum(s.abstained for s in ans), len(ans)),
        "language_match": _ratio(sum(s.language_ok for s in scores), len(scores)),
        "yes_no_accuracy": _ratio(sum(s.correct for s in yn), len(yn)),
        "yes_no_polarity": _ratio(
            sum(s.correct for s in yn if not s.abstained), sum(not s.abstained for s in yn)
        ),
        "situation_rubric": _ratio(sum(s.correct for s in sit), len(sit)),
        "situation_precision": _ratio(
            sum(s.advice and s.about_asker for s in scores), sum(s.advice for s in scores)
        ),
        "situation_recall": _ratio(
            sum(s.advice and s.about_asker for s in scores), sum(s.about_asker for s in scores)
        ),
        "median_chars": statistics.median(facts) if facts else None,
        "max_chars": max(facts, default=None),
        "max_chars_advice": max((s.chars for s in scores if s.advice), default=None),
        "short_given": _ratio(sum(bool(s.short) for s in answered), len(answered)),
        "short_key_fact": _ratio(
            sum(bool(s.short_holds_fact) for s in scores),
            sum(s.short_holds_fact is not None for s in scores),
        ),
        "short_verbatim": _ratio(
            sum(bool(s.short_verbatim) for s in scores), sum(bool(s.short) for s in scores)
        ),
        "median_latency_s": round(statistics.median(s.latency_s for s in scores), 3),
    }


def run_mode(
    ask: Callable[[str, list[dict[str, str]]], Any],
    cases: list[dict[str, Any]],
    source_text: Callable[[str], str],
    label: str = "",
) -> tuple[dict[str, float | None], list[dict[str, Any]]]:
    scores, rows = [], []
    for i, case in enumerate(cases, start=1):
        t = time.perf_counter()
        answer = ask(case["question"], case["history"])
        latency = time.perf_counter() - t
        score = score_case(case, answer, latency, source_text)
        scores.append(score)
        rows.append(
            {
                "id": case["id"],
                **asdict(score),
                "answer": answer.text,
                "quotes": [c.quote for c in answer.citations],
                "standalone": answer.standalone_question,
                "notices": answer.notices,
                "support": [asdict(x) for x in answer.support],
                "confidence": answer.confidence,
                "signals": answer.signals,
                "fold": fold_of(case["id"]),
                "set": case.get("_set", ""),
            }
        )
        mark = "ok " if score.correct else "BAD"
        print(
            f"[{label} {i}/{len(cases)}] {mark} {case['id']}: {answer.text[:90]!r}", file=sys.stderr
        )
    return summarise(cases, scores), rows


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def markdown(summaries: dict[str, dict[str, float | None]]) -> str:
    modes = list(summaries)
    lines = [
        "| metric | " + " | ".join(modes) + " | goal (default) |",
        "|---" * (len(modes) + 2) + "|",
    ]
    lines.append("| cases | " + " | ".join(str(summaries[m]["cases"]) for m in modes) + " | |")
    for key, label, goal in METRICS:
        vals = " | ".join(_shown(summaries[m][key]) for m in modes)
        lines.append(f"| {label} | {vals} | {goal} |")
    return "\n".join(lines) + "\n"


def check_gate(
    summaries: dict[str, dict[str, float | None]], gate: dict[str, dict[str, float]]
) -> list[str]:
    """Metrics that fell below (or, for lower-is-better ones, above) their gate."""
    failures = []
    for mode, limits in gate.items():
        for key, limit in limits.items():
            if mode not in summaries:
                continue
            value = summaries[mode][key]
            if value is None:
                failures.append(f"{mode}.{key}: no case measures it (gate {limit})")
                continue
            worse = value > limit if key in LOWER_IS_BETTER else value < limit
            if worse:
                failures.append(f"{mode}.{key} = {value} (gate {limit})")
    return failures


def _systems(modes: list[str], fit: bool = False) -> dict[str, Callable[..., Any]]:
    from bot.build import build_bot, evidence_path
    from bot.corpus import load_corpus
    from bot.pipeline import Bot
    from evals.calibrate import permissive, signal_names

    settings = get_settings()
    bot = build_bot(settings)
    bot.warm_up()
    systems: dict[str, Callable[..., Any]] = {}
    if "default" in modes:
        if fit and bot.evidence is not None:
            bot.evidence.calibrator = permissive(signal_names("default"))
        systems["default"] = bot.answer
    if "extractive" in modes:
        plain = Bot(settings, bot.index, bot.retriever, None)
        if bot.evidence is not None:
            # As BOT_LLM=extractive runs: the translations on disk, none made.
            plain.evidence = evidence_path(settings, None, load_corpus(settings.corpus_dir))
            if fit:
                plain.evidence.calibrator = permissive(signal_names("extractive"))
        systems["extractive"] = plain.answer
    if "textbook" in modes:
        from bot.embed import default_embeddings
        from evals.textbook import Textbook

        # The textbook's embedder is MiniLM; reuse the project's when it is the same model.
        minilm = (
            bot.index.embeddings
            if settings.embedder == "minilm"
            else default_embeddings("minilm", settings.models_dir)
        )
        tb = Textbook(
            load_corpus(settings.corpus_dir),
            minilm,
            bot.generator,
            max_tokens=settings.llm_max_tokens,
        )
        systems["textbook"] = tb.answer
    return systems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals")
    p.add_argument("--modes", default="default,extractive,textbook")
    p.add_argument("--quick", action="store_true", help="every 3rd case only")
    p.add_argument(
        "--textbook-every",
        type=int,
        default=3,
        help="the textbook baseline runs on every n-th case (it is slow)",
    )
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--gate", type=Path, default=None, help="fail when a metric is below this")
    p.add_argument(
        "--fit",
        action="store_true",
        help="answer whenever there is evidence, then fit the abstention calibrator on the "
        "outcomes (5-fold cross-validation) and write it to bot/calibration*.json",
    )
    p.add_argument(
        "--signals",
        action="store_true",
        help="answer whenever there is evidence and report how well each decision signal alone "
        "separates right answers from unanswerable questions (AUROC), without fitting anything",
    )
    p.add_argument(
        "--refit",
        action="store_true",
        help="fit the calibrator again from the last --fit run's results, without the models",
    )
    p.add_argument(
        "--cases",
        type=Path,
        nargs="+",
        default=[GOLD],
        help="the cases (JSONL files, run as one set) to run",
    )
    args = p.parse_args(argv)
    cases = [{**case, "_set": set_name(path)} for path in args.cases for case in load_gold(path)]
    if len({c["id"] for c in cases}) != len(cases):
        p.error("case ids must be unique across the --cases files")
    if args.quick:
        cases = cases[::3]
    settings = get_settings()

    def source_text(name: str) -> str:
        return (settings.corpus_dir / name).read_text(encoding="utf-8")

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if args.refit:
        for mode in modes:
            rows = json.loads((args.out / f"{mode}-fit.json").read_text())["cases"]
            fit_and_write(mode, rows, cases, args.out)
        return 0
    summaries: dict[str, dict[str, float | None]] = {}
    args.out.mkdir(parents=True, exist_ok=True)
    permissive = args.fit or args.signals
    for mode, ask in _systems(modes, fit=permissive).items():
        subset = cases[:: args.textbook_every] if mode == "textbook" else cases
        summary, rows = run_mode(ask, subset, source_text, mode)
        summaries[mode] = summary
        name = f"{mode}-fit" if permissive else mode
        if args.signals and mode in {"default", "extractive"}:
            report = signals_report(mode, rows, subset)
            (args.out / f"signals-{mode}.json").write_text(json.dumps(report, indent=1))
            print(f"{mode}: signal AUROC {report['signal_auroc']}", file=sys.stderr)
        (args.out / f"{name}.json").write_text(
            json.dumps({"summary": summary, "cases": rows}, ensure_ascii=False, indent=1)
        )
        if args.fit and mode in {"default", "extractive"}:
            fit_and_write(mode, rows, subset, args.out)
    table = markdown(summaries)
    (args.out / "summary.md").write_text(table, encoding="utf-8")
    (args.out / "summary.json").write_text(json.dumps(summaries, indent=1))
    print(table)
    if args.gate:
        failures = check_gate(summaries, json.loads(args.gate.read_text()))
        for f in failures:
            print("GATE FAILED:", f, file=sys.stderr)
        return 1 if failures else 0
    return 0

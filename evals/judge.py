"""Measure the local model as an answerability judge (not used by the bot: it did not earn its
place, see the README).

For each decided case of a fit run (``make fit`` writes ``eval/results/fit/default-fit.json``),
the model is shown the answer's first two quotes and the question it answered and asked whether
the passage states the answer; P("Yes") is the signal. With ``--spans`` it is asked instead
which words of the passage answer, among its pieces between punctuation, its figures and its
names, with "[0] The passage does not state it" as one more option; the signal is 1 − P([0]).
The report gives its AUROC alone (right evidence answers against unanswerable questions), on
yes/no questions, and the decision's held-out accuracy (each set predicted by a model fitted on
the others, as ``make fit`` reports it) with and without it, and with the yes/no signal's
products with the best signals instead.

    python -m evals.judge --out eval/results/fit/judge.json          # ~12 min on 2 cores
    python -m evals.judge --scores eval/results/fit/judge.json       # the report only
    python -m evals.judge --spans --out eval/results/fit/spans.json  # ~20 min
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bot.decide import SIGNALS
from bot.facts import inner_names
from evals.calibrate import fit, rows_from, signal_auroc

ROOT = Path(__file__).resolve().parent.parent
FIT_RUN = ROOT / "eval/results/fit/default-fit.json"
SYSTEM = (
    "You check whether a passage from a news article answers a question. Reply Yes when the "
    "passage states the answer (for a yes/no question: when it says whether it is so). Reply No "
    "when the question asks for something the passage does not state."
)
SPANS_SYSTEM = (
    "You answer questions about a news article by pointing to the exact words of a passage "
    "that answer them. When the passage does not state what the question asks for, choose [0]."
)
QUOTE = re.compile(r"«\s*([^»]*?)\s*»|“([^”]*)”")
PIECE = re.compile(r"[^,;:—()«»\"“”]+")
FIGURE = re.compile(r"\$?\d[\d\s.,]*\s*(?:%|\w+)?")
MAX_SPANS = 9  # one-digit options
# The yes/no signal times these: lets the decision weigh yes/no questions' scores apart.
PAIRED = ("top_score", "core_dense", "top_model", "margin")


def key(result: dict[str, Any]) -> str:
    return f"{result['id']}@{result.get('set', '')}"


def spans(passage: str) -> list[str]:
    """The passage's candidate answers: its pieces between punctuation (two words or more),
    its figures and its names, in that order, at most MAX_SPANS."""
    out: list[str] = []
    pieces = [m.group(0).strip(" .") for m in PIECE.finditer(passage)]
    figures = [m.group(0).strip(" .,") for m in FIGURE.finditer(passage)]
    found = sorted(inner_names(passage), key=passage.find)
    for span in [*(p for p in pieces if len(p.split()) >= 2), *figures, *found]:
        if span and span not in out:
            out.append(span)
    return out[:MAX_SPANS]


def judge(results: list[dict[str, Any]], by_spans: bool = False) -> dict[str, float]:
    from bot.config import get_settings
    from bot.llm import load_generator

    generator = load_generator(get_settings())
    if generator is None:
        raise SystemExit("the local model is needed")
    scores = {}
    for r in results:
        quotes = [a or b for a, b in QUOTE.findall(r["answer"])][:2]
        if not r.get("signals") or r["abstained"] or not quotes:
            continue
        passage = " ".join(quotes)
        if by_spans:
            options = spans(passage)
            lines = "\n".join(f"[{n}] {span}" for n, span in enumerate(options, start=1))
            prompt = (
                f"Passage: {passage}\n\nQuestion: {r['standalone']}\n\nWhich words of the "
                f"passage answer the question?\n{lines}\n[0] The passage does not state it.\n"
                "Reply with the number."
            )
            labels = [f"{n}]" for n in range(len(options) + 1)]
            p = generator.choose([SystemMessage(SPANS_SYSTEM), HumanMessage(prompt)], "[", labels)
            scores[key(r)] = 1.0 - p["0]"] / (sum(p.values()) or 1.0)
            continue
        prompt = (
            f"Passage: {passage}\n\nQuestion: {r['standalone']}\n\n"
            "Does the passage state the answer to the question? Reply Yes or No."
        )
        p = generator.choose([SystemMessage(SYSTEM), HumanMessage(prompt)], "", ["Yes", "No"])
        scores[key(r)] = p["Yes"]
    return scores


def report(results: list[dict[str, Any]], scores: dict[str, float]) -> dict[str, Any]:
    cases = [
        json.loads(line)
        for name in sorted({str(r.get("set", "")) for r in results})
        for line in (ROOT / f"eval/{name}.jsonl").read_text().splitlines()
    ]
    for r in results:
        if signals := r.get("signals"):
            signals["judge"] = scores.get(key(r), 0.0)
            signals |= {f"yes_no*{n}": signals["yes_no"] * signals[n] for n in PAIRED}
    rows = rows_from(results, cases)
    decided = [r for r in rows if not r.forced]
    yes_no = [r for r in decided if r.signals.get("yes_no")]
    out: dict[str, Any] = {
        "auroc": signal_auroc(decided, [*SIGNALS, "judge"]),
        "auroc_yes_no": signal_auroc(yes_no, ["judge", "top_score", "core_dense"]),
        "yes_no_cases": len(yes_no),
    }
    variants = {
        "shipped signals": list(SIGNALS),
        "with the judge": [*SIGNALS, "judge"],
        **{f"with yes_no*{n}": [*SIGNALS, f"yes_no*{n}"] for n in PAIRED},
        "with all four products": [*SIGNALS, *(f"yes_no*{n}" for n in PAIRED)],
    }
    out["held_out_accuracy"] = {
        label: fit(rows, names)[1]["held_out"]["accuracy"] for label, names in variants.items()
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=FIT_RUN)
    parser.add_argument("--out", type=Path, help="write the model's scores here")
    parser.add_argument("--scores", type=Path, help="read the scores instead of computing them")
    parser.add_argument("--spans", action="store_true", help="the span choice with a none option")
    args = parser.parse_args()
    results = json.loads(args.run.read_text())["cases"]
    if args.scores:
        scores = json.loads(args.scores.read_text())
    else:
        scores = judge(results, args.spans)
        if args.out:
            args.out.write_text(json.dumps(scores, indent=1))
    print(json.dumps(report(results, scores), indent=1))


if __name__ == "__main__":
    main()

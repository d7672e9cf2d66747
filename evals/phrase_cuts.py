"""What quoting factual answers by phrases would do, computed from runs on disk (no model).

    python -m evals.phrase_cuts [--keep-best]

For each answered factual answer over 300 characters with more than one quote, every quote
(or, with ``--keep-best``, every quote but the one sharing most words with the question) is
cut to its phrase (``split.phrase_runs``) sharing most content words with the question, when
one shares any. Printed per read set: the median factual answer before and after, the answers
changed, and the right answers that would lose a key fact. Measured and not built (README).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path
from typing import Any

from bot.split import phrase_runs
from bot.text import lemmas
from evals.metrics import fact_present

RUNS = {  # the read sets and the runs of the answering code before phrase cuts
    "development": ("eval/gold.jsonl", "eval/results/earlier/default.json"),
    "held-out 8": ("eval/holdout8.jsonl", "eval/results/holdout8/earlier/default.json"),
    "held-out 9": ("eval/holdout9.jsonl", "eval/results/holdout9/earlier/default.json"),
}
TRANSLATED = re.compile(r"“(.*?)” \[\d+\]")


def _words(text: str) -> set[str]:
    return lemmas(text, "fr") | lemmas(text, "en")


def _cut(answer: dict[str, Any], question: str, keep_best: bool) -> str:
    text = answer["answer"]
    french = "“" not in text
    quotes = [q for q in answer["quotes"] if q in text] if french else TRANSLATED.findall(text)
    if answer["abstained"] or answer["chars"] <= 300 or len(quotes) < 2:
        return text
    asked = _words(question)
    best = max(quotes, key=lambda q: len(asked & _words(q)))
    for quote in quotes:
        spans = phrase_runs(quote)
        if (keep_best and quote == best) or not spans:
            continue
        s, e = max(spans, key=lambda se: (len(asked & _words(quote[se[0] : se[1]])), se[0] - se[1]))
        if asked & _words(quote[s:e]):
            text = text.replace(quote, quote[s:e], 1)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-best", action="store_true", help="never cut the best quote")
    args = parser.parse_args()
    for name, (cases_path, run_path) in RUNS.items():
        cases = {
            c["id"]: c
            for c in map(json.loads, Path(cases_path).read_text(encoding="utf-8").splitlines())
        }
        answers = [a for a in json.loads(Path(run_path).read_text())["cases"] if not a["advice"]]
        before, after, changed, lost = [], [], 0, 0
        for a in answers:
            case = cases[a["id"]]
            cut = _cut(a, case["question"], args.keep_best)
            before.append(a["chars"])
            after.append(a["chars"] - len(a["answer"]) + len(cut))
            if cut != a["answer"]:
                changed += 1
                keys = case["key_facts"] if case["answerable"] else []
                lost += a["correct"] and any(not fact_present(g, cut) for g in keys)
        print(
            f"{name}: median factual answer {statistics.median(before)} -> "
            f"{statistics.median(after)}, {changed} changed, {lost} right answers lose a key fact"
        )


if __name__ == "__main__":
    main()

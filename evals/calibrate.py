"""Fit the abstention calibrator on evaluation runs, with cross-validation.

Input: one run where the bot answered whenever it had evidence (``python -m evals --fit``).
Each row then says whether that evidence answer was right. A logistic model over the decision
signals predicts it; held-out predictions choose the threshold and give the figures reported
as held-out; the model refitted on every row is what ships. The folds are the sets themselves
when several are fitted (each set predicted by a model fitted on the others: they were written
apart, so this measures what carries over to phrasings not fitted on), else 5 folds by case id.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.decide import Calibrator

ROOT = Path(__file__).resolve().parent.parent

FOLDS = 5  # folds by case id, for a single set
C = 0.05  # inverse regularisation strength: few cases and correlated signals, so weights stay small
# What answering wrongly costs against the point a right answer or a right abstention earns.
# Leave-one-set-out over the eight fitted sets: 1.0 gave accuracy 0.653 (abstention 0.86, false
# abstention 0.35), 0.25 gave 0.679 (0.67, 0.16) with the rows below left out of the fit.
WRONG_ANSWER_COST = 0.25


@dataclass(frozen=True)
class Row:
    signals: dict[str, float]
    right: bool  # the evidence answer was right
    answerable: bool
    forced: bool  # abstained whatever the calibrator says (no evidence, a rule)
    fold: int


def permissive(names: Sequence[str]) -> Calibrator:
    """Answers whenever there is evidence: the run whose rows the calibrator is fitted on."""
    n = len(names)
    return Calibrator(tuple(names), (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 0.0)


def rows_from(results: Sequence[dict[str, Any]], cases: Sequence[dict[str, Any]]) -> list[Row]:
    """Rows of the results that reached the decision; with three sets or more, each row's fold
    is its set (leave one set out), else its fold by case id."""
    by_id = {c["id"]: c for c in cases}
    sets = sorted({str(r.get("set", "")) for r in results})
    by_set = len(sets) >= 3
    return [
        Row(
            r["signals"],
            bool(r["correct"]) and not r["abstained"],
            bool(by_id[r["id"]]["answerable"]),
            bool(r["abstained"]),
            sets.index(str(r.get("set", ""))) if by_set else int(r["fold"]),
        )
        for r in results
        if r.get("signals")
    ]


def _fit(rows: Sequence[Row], names: Sequence[str]) -> Calibrator:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    # An answerable question whose evidence answer is wrong is wrong whether the bot answers
    # or abstains: it tells the model nothing about when to abstain, so it is left out.
    rows = [r for r in rows if r.right or not r.answerable]
    x = np.array([[r.signals.get(n, 0.0) for n in names] for r in rows])
    y = np.array([r.right for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=1000).fit((x - mean) / scale, y)
    return Calibrator(
        tuple(names),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in model.coef_[0]),
        float(model.intercept_[0]),
        0.5,
    )


def utility(rows: Sequence[Row], probs: Sequence[float], threshold: float) -> float:
    score = 0.0
    for r, p in zip(rows, probs, strict=True):
        answers = not r.forced and p >= threshold
        if answers:
            score += 1.0 if r.right else -WRONG_ANSWER_COST
        elif not r.answerable:
            score += 1.0
    return score


def best_threshold(rows: Sequence[Row], probs: Sequence[float]) -> float:
    candidates = sorted({round(p, 3) for p in probs} | {0.5})
    return max(candidates, key=lambda t: (utility(rows, probs, t), -abs(t - 0.5)))


def outcomes(rows: Sequence[Row], probs: Sequence[float], threshold: float) -> dict[str, float]:
    answered = [r for r, p in zip(rows, probs, strict=True) if not r.forced and p >= threshold]
    abstained = [r for r, p in zip(rows, probs, strict=True) if r.forced or p < threshold]
    ans = [r for r in rows if r.answerable]
    un = [r for r in rows if not r.answerable]
    correct = sum(r.right for r in answered) + sum(not r.answerable for r in abstained)
    return {
        "cases": len(rows),
        "accuracy": round(correct / len(rows), 3) if rows else 0.0,
        "abstention": round(sum(not r.answerable for r in abstained) / len(un), 3) if un else 1.0,
        "false_abstention": round(sum(r.answerable for r in abstained) / len(ans), 3)
        if ans
        else 0.0,
        "coverage": round(len(answered) / len(rows), 3) if rows else 0.0,
        "answered_accuracy": round(sum(r.right for r in answered) / len(answered), 3)
        if answered
        else 1.0,
    }


def cross_validate(rows: Sequence[Row], names: Sequence[str]) -> tuple[list[float], list[dict]]:
    """Held-out probabilities (each fold predicted by a model fitted on the others) and the
    figures of each fold with the threshold chosen, as the shipped one is, on held-out
    probabilities: those of the other folds."""
    probs = [0.0] * len(rows)
    folds = sorted({r.fold for r in rows})
    for k in folds:
        # Trained like the shipped model: on the rows the calibrator decides (not the forced).
        model = _fit([r for r in rows if r.fold != k and not r.forced], names)
        for i, r in enumerate(rows):
            if r.fold == k:
                probs[i] = model.probability(r.signals)
    per_fold = []
    for k in folds:
        others = [(r, p) for r, p in zip(rows, probs, strict=True) if r.fold != k]
        threshold = best_threshold([r for r, _ in others], [p for _, p in others])
        test = [(r, p) for r, p in zip(rows, probs, strict=True) if r.fold == k]
        figures = outcomes([r for r, _ in test], [p for _, p in test], threshold)
        per_fold.append({"fold": k, "threshold": round(threshold, 3), **figures})
    return probs, per_fold


def fit(rows: Sequence[Row], names: Sequence[str]) -> tuple[Calibrator, dict[str, Any]]:
    """The calibrator to ship (all rows; threshold from the held-out predictions) and a report."""
    usable = [r for r in rows if not r.forced]
    probs, per_fold = cross_validate(rows, names)
    threshold = best_threshold(rows, probs)
    final = _fit(usable, names)
    final = Calibrator(final.names, final.mean, final.scale, final.weights, final.bias, threshold)
    curve = coverage_curve(rows, probs)
    report = {
        "held_out": outcomes(rows, probs, threshold),
        "signal_auroc": signal_auroc(usable, names),
        "folds": per_fold,
        "threshold": round(threshold, 3),
        "weights": dict(zip(final.names, [round(w, 3) for w in final.weights], strict=True)),
        "curve": curve,
    }
    return final, report


def signal_auroc(rows: Sequence[Row], names: Sequence[str]) -> dict[str, float]:
    """Each signal alone: the AUROC with which it ranks right evidence answers above
    unanswerable questions (0.5 = no separation; below 0.5, higher for unanswerable ones)."""
    from sklearn.metrics import roc_auc_score

    both = [r for r in rows if r.right or not r.answerable]
    labels = [r.right for r in both]
    if len(set(labels)) < 2:
        return {}
    return {
        n: round(float(roc_auc_score(labels, [r.signals.get(n, 0.0) for r in both])), 3)
        for n in names
    }


def signals_report(
    mode: str, results: Sequence[dict[str, Any]], cases: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Each decision signal's AUROC alone on these results (a run that answered whenever it
    had evidence), and how many rows it rests on: for sets nothing was fitted on."""
    rows = [r for r in rows_from(results, cases) if not r.forced]
    return {
        "rows": len(rows),
        "right": sum(r.right for r in rows),
        "unanswerable": sum(not r.answerable for r in rows),
        "signal_auroc": signal_auroc(rows, signal_names(mode)),
    }


def coverage_curve(rows: Sequence[Row], probs: Sequence[float]) -> list[dict[str, float]]:
    """Coverage and accuracy of the answers given, for thresholds over the held-out probs."""
    points = []
    for t in [i / 20 for i in range(21)]:
        answered = [r for r, p in zip(rows, probs, strict=True) if not r.forced and p >= t]
        if answered:
            points.append(
                {
                    "threshold": t,
                    "coverage": round(len(answered) / len(rows), 3),
                    "accuracy": round(sum(r.right for r in answered) / len(answered), 3),
                }
            )
    return points


MODEL_SIGNALS = {"p_none", "top_model", "entropy"}


def signal_names(mode: str) -> list[str]:
    """The decision signals a mode's calibrator uses (no model probabilities without a model)."""
    from bot.decide import SIGNALS

    return [n for n in SIGNALS if mode != "extractive" or n not in MODEL_SIGNALS]


def calibration_file(mode: str) -> Path:
    return (
        ROOT / "bot" / ("calibration.json" if mode == "default" else "calibration_extractive.json")
    )


def plot_curve(curve: list[dict[str, float]], threshold: float, path: Path, mode: str) -> None:
    """Coverage (share of questions answered) against the accuracy of those answers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot([p["coverage"] for p in curve], [p["accuracy"] for p in curve], marker="o", ms=3)
    chosen = min(curve, key=lambda p: abs(p["threshold"] - threshold))
    ax.scatter(
        [chosen["coverage"]],
        [chosen["accuracy"]],
        color="red",
        zorder=3,
        label=f"shipped threshold {threshold:.2f}",
    )
    ax.set_xlabel("coverage (share of questions answered)")
    ax.set_ylabel("accuracy of the answers given")
    ax.set_title(f"Held-out coverage vs accuracy ({mode})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fit_and_write(
    mode: str, rows: list[dict[str, Any]], cases: list[dict[str, Any]], out: Path
) -> None:
    from evals.calibrate import fit, rows_from

    calibrator, report = fit(rows_from(rows, cases), signal_names(mode))
    calibration_file(mode).write_text(json.dumps(calibrator.to_dict(), indent=1) + "\n")
    (out / f"calibration-{mode}.json").write_text(json.dumps(report, indent=1))
    plot_curve(report["curve"], report["threshold"], ROOT / "docs" / f"coverage-{mode}.png", mode)
    print(f"{mode}: held-out {report['held_out']}", file=sys.stderr)
    for fold in report["folds"]:
        print(f"  {fold}", file=sys.stderr)

"""The calibrator's report: how well each decision signal alone separates the cases."""

from evals.calibrate import FOLDS, Row, best_threshold, cross_validate, signal_auroc


def _row(value: float, right: bool, answerable: bool) -> Row:
    signals = {"up": value, "down": -value, "flat": 1.0}
    return Row(signals, right, answerable, forced=False, fold=0)


def test_signal_auroc_ranks_right_answers_against_unanswerable_questions() -> None:
    rows = [_row(v, True, True) for v in (0.6, 0.8, 0.9)]
    rows += [_row(v, False, False) for v in (0.1, 0.2, 0.5)]
    rows += [_row(5.0, False, True)]  # answerable but answered wrong: not in the comparison
    assert signal_auroc(rows, ["up", "down", "flat"]) == {"up": 1.0, "down": 0.0, "flat": 0.5}


def test_signal_auroc_needs_both_kinds_of_case() -> None:
    assert signal_auroc([_row(0.3, True, True)], ["up"]) == {}


def test_each_folds_threshold_is_chosen_on_the_other_folds_held_out_predictions() -> None:
    """A signal that separates right answers from unanswerable questions: every fold is
    decided by a threshold chosen without it, and the figures follow from that threshold."""

    def row(i: int) -> Row:
        right = i % 10 >= 5  # scores 0–4 unanswerable, 15–19 right: a wide gap between them
        return Row({"s": float(i % 10 + 10 * right)}, right, right, False, i // 10 % FOLDS)

    rows = [row(i) for i in range(100)]
    probs, per_fold = cross_validate(rows, ["s"])
    assert len(per_fold) == FOLDS and len(probs) == len(rows)
    for k, fold in enumerate(per_fold):
        others = [i for i, r in enumerate(rows) if r.fold != k]
        chosen = best_threshold([rows[i] for i in others], [probs[i] for i in others])
        assert fold["threshold"] == round(chosen, 3)
        assert fold["accuracy"] == 1.0  # the signal separates them perfectly

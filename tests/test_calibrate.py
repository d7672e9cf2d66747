"""The calibrator's report: how well each decision signal alone separates the cases."""

from evals.calibrate import Row, signal_auroc


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

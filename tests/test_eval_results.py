"""Checks over the stored evaluation answers (eval/results): each direct answer is copied, not
written: a span of a quote its answer shows (the article's sentence or its checked translation).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parent.parent / "eval" / "results"
QUOTED = re.compile(r"«\s*([^»]*?)\s*»|“([^”]*)”")


def _rows() -> list[tuple[str, dict]]:
    files = sorted(RESULTS.glob("**/default.json"))
    return [
        (f"{path.relative_to(RESULTS)}:{row['id']}", row)
        for path in files
        for row in json.loads(path.read_text(encoding="utf-8"))["cases"]
        if row.get("short")
    ]


def test_some_stored_answers_have_a_direct_answer() -> None:
    if not _rows():
        pytest.skip("no stored run has direct answers yet (make eval writes them)")


@pytest.mark.parametrize(("where", "row"), _rows() or [("none", {})])
def test_each_direct_answer_is_a_span_of_a_quote_it_shows(where: str, row: dict) -> None:
    if not row:
        pytest.skip("no stored direct answers")
    quotes = [a or b for a, b in QUOTED.findall(row["answer"])]
    assert any(row["short"] in q for q in quotes), where
    assert row["answer"].startswith(row["short"]), where

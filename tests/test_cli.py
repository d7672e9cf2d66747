"""The command line turns bad input into a clear message and an exit code, never a traceback.
It runs on a copy of the corpus and a data directory of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.real_models


@pytest.fixture(scope="module")
def env(real_dirs: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **real_dirs, "BOT_LLM": "extractive"}


def _run(
    env: dict[str, str], *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, env=env, timeout=300
    )


def test_ask_prints_answer_and_verbatim_citation(env) -> None:
    out = _run(env, "ask", "--json", "Combien de personnes Amazon veut-elle former d’ici 2025 ?")
    assert out.returncode == 0, out.stderr.decode()
    data = json.loads(out.stdout)
    assert data["language"] == "fr" and not data["abstained"]
    assert any("29 millions" in c["quote"] for c in data["citations"])
    for c in data["citations"]:
        text = (Path(env["BOT_CORPUS_DIR"]) / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]


@pytest.mark.parametrize("question", [b"", b"   ", b"\x00\x00", b"caf\xe9 \xff ?"])
def test_bad_questions_get_a_clear_error(env, question: bytes) -> None:
    out = (
        _run(env, "ask", os.fsdecode(question))
        if b"\x00" not in question
        else _run(env, "ask", "-", stdin=question)
    )
    assert out.returncode == 2
    err = out.stderr.decode()
    assert err.startswith("error: ") and "Traceback" not in err


def test_too_long_question_names_the_limit(env) -> None:
    out = _run(env, "ask", "-", stdin=b"x" * 100_000)
    assert out.returncode == 2 and b"too long" in out.stderr

"""The command line turns bad input into a clear message and an exit code, never a traceback."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.real_models


def _run(*args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "BOT_LLM": "extractive"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, env=env, timeout=300
    )


def test_ask_prints_answer_and_verbatim_citation() -> None:
    out = _run("ask", "--json", "Combien de personnes Amazon veut-elle former d’ici 2025 ?")
    assert out.returncode == 0, out.stderr.decode()
    data = json.loads(out.stdout)
    assert data["language"] == "fr" and not data["abstained"]
    assert any("29 millions" in c["quote"] for c in data["citations"])


@pytest.mark.parametrize("question", [b"", b"   ", b"\x00\x00", b"caf\xe9 \xff ?"])
def test_bad_questions_get_a_clear_error(question: bytes) -> None:
    out = (
        _run("ask", os.fsdecode(question))
        if b"\x00" not in question
        else _run("ask", "-", stdin=question)
    )
    assert out.returncode == 2
    err = out.stderr.decode()
    assert err.startswith("error: ") and "Traceback" not in err


def test_too_long_question_names_the_limit() -> None:
    out = _run("ask", "-", stdin=b"x" * 100_000)
    assert out.returncode == 2 and b"too long" in out.stderr

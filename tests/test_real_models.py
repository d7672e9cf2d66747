"""A few answers from the real default models (bundled embedder and local LLM)."""

import pytest

from bot.config import get_settings

pytestmark = pytest.mark.real_models


@pytest.fixture(scope="module")
def bot():
    from bot.build import get_bot

    b = get_bot()
    b.warm_up()
    return b


def _text(c) -> str:
    return (get_settings().corpus_dir / c.source).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Combien de personnes Amazon veut-elle former, et d’ici quand ?", "fr"),
        ("How many people does Amazon want to train, and by when?", "en"),
    ],
)
def test_the_29_million_question(bot, question, language) -> None:
    a = bot.answer(question)
    assert not a.abstained and a.language == language
    assert any("29 millions" in c.quote for c in a.citations)
    assert all(_text(c)[c.start : c.end] == c.quote for c in a.citations)
    assert "2025" in a.text and "29" in a.text


def test_same_question_same_answer_whatever_came_before(bot) -> None:
    q = "Quel âge a Jarred Gaines ?"
    first = bot.answer(q).text
    bot.answer("What did Teresa Carlson say about recruiting?")
    assert bot.answer(q).text == first


def test_off_topic_question_is_refused(bot) -> None:
    a = bot.answer("What is the capital of Australia?")
    assert a.abstained
    assert "Canberra" not in a.text


def test_cli_ingest_json_is_idempotent() -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout)
    assert set(report) >= {"documents", "chunks", "added", "skipped"}
    assert report["added"] == 0 and report["skipped"] == report["chunks"] > 0

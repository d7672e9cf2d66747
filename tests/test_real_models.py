"""A few answers from the real default models (bundled embedder and local LLM), on a copy of
the corpus and a data directory of their own."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from tests.apprunner import linked_data_dir, shared_data_dir

pytestmark = pytest.mark.real_models


@pytest.fixture(scope="module")
def real_settings(real_dirs) -> Settings:
    data = Path(real_dirs["BOT_DATA_DIR"])
    # Start from the translations the checkout's app has made (a copy: read only).
    cache = shared_data_dir() / "translations.json"
    if cache.is_file():
        shutil.copy(cache, data / "translations.json")
    return Settings(corpus_dir=Path(real_dirs["BOT_CORPUS_DIR"]), data_dir=data)


@pytest.fixture(scope="module")
def bot(real_settings):
    from bot.build import build_bot

    b = build_bot(real_settings)
    b.warm_up()
    return b


def _text(settings, c) -> str:
    return (settings.corpus_dir / c.source).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        pytest.param(
            "Combien de personnes Amazon veut-elle former, et d’ici quand ?",
            "fr",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known regression: the model's first choice is the sentence about whom "
                "the programme could benefit (P 0.37 against 0.05 for the 29-million sentence) "
                "and the decision abstains; the question without 'et d’ici quand' is answered",
            ),
        ),
        ("How many people does Amazon want to train, and by when?", "en"),
    ],
)
def test_the_29_million_question(bot, real_settings, question, language) -> None:
    a = bot.answer(question)
    assert not a.abstained and a.language == language
    assert any("29 millions" in c.quote for c in a.citations)
    assert all(_text(real_settings, c)[c.start : c.end] == c.quote for c in a.citations)
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


def test_cli_ingest_json_is_idempotent(tmp_path) -> None:
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", tmp_path / "corpus")
    env = os.environ | {
        "BOT_CORPUS_DIR": str(tmp_path / "corpus"),
        "BOT_DATA_DIR": str(linked_data_dir(tmp_path)),
    }

    def ingest() -> dict[str, int]:
        args = [sys.executable, "-m", "bot", "ingest", "--json"]
        out = subprocess.run(args, capture_output=True, text=True, check=True, env=env)
        return json.loads(out.stdout)

    first, second = ingest(), ingest()
    assert set(first) >= {"documents", "chunks", "added", "skipped"}
    assert first["added"] == first["chunks"] > 0 and first["skipped"] == 0
    assert second["added"] == 0 and second["skipped"] == second["chunks"] == first["chunks"]


def test_cli_ingest_warm_makes_the_missing_translations(tmp_path) -> None:
    """`ingest --warm` (make index) translates what the cache lacks, so apps start warm."""
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", tmp_path / "corpus")
    data = linked_data_dir(tmp_path, translations=True)
    env = os.environ | {"BOT_CORPUS_DIR": str(tmp_path / "corpus"), "BOT_DATA_DIR": str(data)}
    cache = data / "translations.json"
    if not cache.is_file():
        pytest.skip("no shared translations to start from (make index makes them)")
    scopes = json.loads(cache.read_text(encoding="utf-8"))
    dropped = next(iter(next(iter(scopes.values()))))
    for entries in scopes.values():
        entries.pop(dropped, None)
    cache.write_text(json.dumps(scopes), encoding="utf-8")

    args = [sys.executable, "-m", "bot", "ingest", "--json", "--warm"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env)
    assert json.loads(out.stdout)["chunks"] > 0  # still one JSON object on stdout
    made = [e for e in json.loads(cache.read_text(encoding="utf-8")).values() if dropped in e]
    assert made and made[0][dropped]["text"]

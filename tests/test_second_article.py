"""The bot on another article with no change but the corpus: an English report on retraining
former coal, steel and warehouse workers as heat-pump installers (eval/articles/heatpump), with
the real models. A few of its 40 questions; `python -m evals` scores them all (eval/README.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from evals.metrics import score_case
from evals.run import load_gold
from tests.apprunner import linked_data_dir

pytestmark = pytest.mark.real_models

ARTICLE = Path(__file__).resolve().parent.parent / "eval" / "articles" / "heatpump"
# Facts in English and French, a name it gives and one it does not, off-topic, after its date,
# and a question about the asker's own situation.
CASES = (
    "heatpump-en-01",
    "heatpump-en-03",
    "heatpump-en-05",
    "heatpump-fr-01",
    "heatpump-en-12",
    "heatpump-en-20",
    "heatpump-en-26",
    "heatpump-en-28",
    "heatpump-en-17",
)


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> tuple[object, Settings]:
    from bot.build import build_bot

    work = tmp_path_factory.mktemp("heatpump")
    corpus = work / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE / "article.txt", corpus / "article.txt")
    settings = Settings(corpus_dir=corpus, data_dir=linked_data_dir(work))
    bot = build_bot(settings)
    bot.warm_up()  # translates its sentences into French and drafts its story
    return bot, settings


def test_the_article_is_read_as_english_and_its_story_is_drafted(other) -> None:
    bot, _ = other
    assert bot.evidence.source_language == "en" and bot.evidence.article_year == 2023
    advice = bot.evidence.advice(
        bot.retriever.all_passages(),
        bot._ranked,
        bot.evidence.article(bot.retriever.all_passages(), bot.index.version),
    )
    assert advice is not None and any("Gareth Pryce" in q for q in advice.story)
    # His own before and after, in the article's order, from the sentence naming him; not the
    # partnership's chief executive, whom the article quotes by title.
    assert advice.story[0].startswith("Gareth Pryce, 51, spent 19 years")
    assert len(advice.story) == 3 and advice.story[2].startswith("He now installs")
    assert not any("Helen Marsh" in q for q in advice.story)


def test_a_few_questions_of_the_other_article(other) -> None:
    bot, settings = other
    cases = [c for c in load_gold(ARTICLE / "cases.jsonl") if c["id"] in CASES]
    assert len(cases) == len(CASES)

    def source(name: str) -> str:
        return (settings.corpus_dir / name).read_text(encoding="utf-8")

    scored = [
        (c, score_case(c, bot.answer(c["question"], c["history"]), 0.0, source)) for c in cases
    ]
    wrong = [
        (c["id"], s.detail or ("abstained" if s.abstained else "answered"))
        for c, s in scored
        if not s.correct
    ]
    assert all(s.citations_valid == s.citations_total for _, s in scored)
    assert len(wrong) <= 2, wrong

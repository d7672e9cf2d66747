"""Calculations done in code from the chosen sentences: the operands, the result, and when
there must be none."""

from __future__ import annotations

import pytest

from bot.compute import calculate, counts, missing_operand

ANNOUNCED = (
    "Ce jeudi 10 décembre 2020, Amazon a annoncé son intention d’entraîner 29 millions de "
    "personnes à travailler dans le domaine du cloud computing d’ici 2025."
)
LAST_YEAR = (
    "L’année dernière déjà, Amazon a engagé 700 millions de dollars dans la reconversion "
    "professionnelle de 100 000 de ses propres employés aux États-Unis."
)
COACH = "Coach sportif de formation, cet Américain de 35 ans a suivi un cours de 12 semaines."
GROWTH = "Son chiffre d’affaires a grimpé de 29 % au troisième trimestre 2020."


def test_counts_leave_out_money_percentages_years_durations_ages_and_days() -> None:
    assert counts(ANNOUNCED) == [29e6]  # not the 10th of December, 2020 or 2025
    assert counts(LAST_YEAR) == [1e5]  # not $700 million
    assert counts(COACH) == [] and counts(GROWTH) == []


@pytest.mark.parametrize(
    ("question", "language", "lead"),
    [
        (
            "L'objectif de 29 millions, ça fait combien de fois les employés formés ?",
            "fr",
            "Calcul : 29 millions ÷ 100\u202f000 = 290.",
        ),
        (
            "How many times larger is the new goal than last year's?",
            "en",
            "Calculation: 29 million ÷ 100,000 = 290.",
        ),
    ],
)
def test_a_ratio_of_the_two_counts_of_the_evidence(question, language, lead) -> None:
    calc = calculate(question, [ANNOUNCED, LAST_YEAR], 2020)
    assert calc is not None and calc.text(language) == lead
    assert calc.sources == (0, 1)


def test_years_from_the_articles_date_to_the_one_given() -> None:
    calc = calculate("Combien d'années séparent l'annonce de l'échéance ?", [ANNOUNCED], 2020)
    assert calc is not None and calc.text("fr") == (
        "Calcul : de 2020 (date de l’article) à 2025, 5 ans."
    )
    assert "5 years" in calc.text("en")


def test_last_year_is_read_from_the_articles_date_in_the_best_sentence_only() -> None:
    question = "En quelle année Amazon a-t-elle engagé 700 millions de dollars ?"
    calc = calculate(question, [ANNOUNCED, LAST_YEAR], 2020, best=1)
    assert calc is not None and calc.sources == (1,) and "2019" in calc.text("fr")
    assert calculate(question, [ANNOUNCED, LAST_YEAR], 2020, best=0) is None


@pytest.mark.parametrize(
    ("question", "evidence", "year"),
    [
        ("Combien de fois plus ?", [ANNOUNCED], 2020),  # one count only
        ("Combien de fois plus ?", [ANNOUNCED, LAST_YEAR, "Et 3 000 écoles."], 2020),  # three
        ("Combien de temps dure le cours ?", [COACH], 2020),  # no later year
        ("How long was the course Gaines took?", [ANNOUNCED, COACH], 2020),  # not years
        ("How many years until the goal?", [ANNOUNCED], 0),  # the article's date unknown
        ("Combien de personnes Amazon veut-elle former ?", [ANNOUNCED, LAST_YEAR], 2020),
    ],
)
def test_no_calculation_without_unambiguous_operands(question, evidence, year) -> None:
    assert calculate(question, evidence, year) is None


def test_last_year_needs_the_question_to_be_about_that_sentence() -> None:
    """A question about another date gets no "last year" lead, even when the sentence ranked
    first says "l’année dernière"."""
    assert calculate("Amazon se donne jusqu'à quelle année ?", [LAST_YEAR], 2020) is None
    said = calculate("It says 'last year': which year is that?", [ANNOUNCED, LAST_YEAR], 2020)
    assert said is not None and said.sources == (1,) and "2019" in said.text("en")


def test_a_comparison_takes_its_second_figure_from_further_down_the_ranking() -> None:
    question = "Combien de fois plus de personnes que les employés reconvertis ?"
    assert missing_operand(question, [ANNOUNCED], [ANNOUNCED, COACH, LAST_YEAR], 2020) == 2
    assert missing_operand(question, [ANNOUNCED, LAST_YEAR], [COACH], 2020) is None  # has both
    assert missing_operand("Combien de personnes ?", [ANNOUNCED], [LAST_YEAR], 2020) is None


def test_a_span_of_years_takes_the_later_year_from_further_down_the_ranking() -> None:
    question = "Combien d'années Amazon se donne-t-elle ?"
    assert missing_operand(question, [LAST_YEAR], [LAST_YEAR, COACH, ANNOUNCED], 2020) == 2
    assert missing_operand(question, [ANNOUNCED], [LAST_YEAR, ANNOUNCED], 2020) is None
    assert missing_operand(question, [LAST_YEAR], [LAST_YEAR, ANNOUNCED], 0) is None  # no date

"""The short answer: one span copied from the best quote, only when copying is safe."""

from __future__ import annotations

import pytest

from bot.qtype import asked
from bot.short import focus, lead_kind, proves, short_answer, spans

FIRST = (
    "Ce jeudi 10 décembre 2020, Amazon a annoncé son intention d’entraîner 29 millions de "
    "personnes à travailler dans le domaine du cloud computing d’ici 2025, rapporte le Wall "
    "Street Journal."
)
MONEY = (
    "L’année dernière déjà, Amazon a engagé 700 millions de dollars dans la reconversion "
    "professionnelle de 100 000 de ses propres employés aux États-Unis."
)


@pytest.mark.parametrize(
    ("question", "quote", "short"),
    [
        ("Combien de personnes Amazon veut-elle former ?", FIRST, "29 millions"),
        ("Combien Amazon a-t-elle investi l’année dernière ?", MONEY, "700 millions de dollars"),
        ("Combien d’employés étaient concernés ?", MONEY, "100 000"),
        ("How much did Amazon spend?", "Amazon committed $700 million to it.", "$700 million"),
        (
            "How many people will Amazon train?",
            "On Thursday, December 10, 2020, Amazon announced it would train 29 million people.",
            "29 million",
        ),
        ("How long was the course?", "After a 12-week cloud course, he is now…", "12-week"),
        ("Quel âge a-t-il ?", "Coach sportif, cet Américain de 35 ans prévoyait…", "35 ans"),
        ("When did AWS revenue grow?", "It grew 29% in the third quarter of 2020.", "2020"),
    ],
)
def test_the_one_span_of_the_kind_asked_for_is_copied(question, quote, short) -> None:
    found = short_answer(asked(question), question, quote)
    assert found == short and found in quote


@pytest.mark.parametrize(
    ("question", "quote"),
    [
        ("Quand Amazon a-t-elle annoncé ce plan ?", FIRST),  # two dates: 10 décembre, 2025
        ("Qui est Teresa Carlson ?", "Teresa Carlson, vice-présidente d’AWS, a dit…"),  # no kind
        ("Combien Amazon a-t-elle dépensé ?", FIRST),  # no sum of money in the quote
        ("Combien de personnes sur les 29 millions ?", FIRST),  # only what the question gives
        ("How many cases were there?", "The use of Covid-19 tools grew."),  # part of a name
        ("When will it start?", "The trainees may find jobs elsewhere."),  # a verb, not a month
        ("Quel âge a Jarred Gaines ?", "Après un cours de 12 semaines, il est analyste."),  # unit
        ("How many hours a week was the course?", "After a 12-week cloud course, he is now…"),
        ("De combien de pourcents a-t-il progressé ?", FIRST),  # a percentage, not a count
    ],
)
def test_no_short_answer_unless_exactly_one_span_answers(question, quote) -> None:
    assert short_answer(asked(question), question, quote) is None


def test_a_day_of_the_month_is_not_a_count_and_offsets_hold() -> None:
    assert spans("count", FIRST) == ["29 millions"]
    assert spans("date", FIRST) == ["10 décembre 2020", "2025"]
    assert spans("date", "It starts in May 2021, on 3 May or May 3, 2021.") == [
        "May 2021",
        "3 May",
        "May 3, 2021",
    ]
    assert spans("count", "Le cours de 12 semaines") == []  # a duration, not a count


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Combien Amazon a-t-elle investi l’année dernière ?", "money"),
        ("How many people will Amazon train?", "count"),
        ("When was the scheme launched?", "date"),
        # A yes/no question: a figure in bold above "the training is free" reads as the fee.
        ("Is the course free or do they pay fees?", None),
        ("La formation est-elle payante ?", None),
        # A quantity and a date: one span would answer half of it.
        ("How much money was put into the scheme when it started?", None),
        ("How many drivers will it train, and by what year?", None),
        # "learn" is not "earn": no sum of money is asked for.
        ("What do they learn on the course?", None),
        ("How much do technicians earn?", "money"),
    ],
)
def test_a_lead_is_sought_only_for_one_quantity_or_one_date(question, kind) -> None:
    assert lead_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Combien de personnes Amazon veut-elle former ?", "count"),
        ("Qui est Teresa Carlson ?", "name"),
        ("Quel âge a Jarred Gaines ?", "number"),
        ("Combien de personnes, et où ?", None),  # two things asked
        ("Who pays, and how much?", None),
        ("Pourquoi Amazon forme-t-elle des gens ?", None),  # nothing a span can hold
        ("Is Teresa Carlson a vice-president?", None),  # yes/no
        ("Qui finance ? Combien ?", None),  # two questions
    ],
)
def test_a_question_asks_for_one_thing_or_its_answer_keeps_its_quotes(question, kind) -> None:
    assert focus(question) == kind


def test_a_quote_proves_an_answer_of_the_kind_and_unit_asked() -> None:
    assert proves("count", "Combien de personnes Amazon veut-elle former ?", FIRST)
    assert not proves("count", "Combien de personnes sur les 29 millions ?", FIRST)  # given
    assert not proves("number", "Quel âge a-t-il ?", "Après un cours de 12 semaines, il…")
    assert proves("name", "Qui est-ce ?", "Teresa Carlson, vice-présidente d’AWS, a dit…")
    assert not proves("name", "Qui est-ce ?", "il est désormais analyste de support client")

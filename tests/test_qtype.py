"""What a question's words ask for, and whether a sentence holds it (no model)."""

from __future__ import annotations

import pytest

from bot.qtype import asked, asking_part, follows, holds, yes_no


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Quand Amazon a-t-elle annoncé son plan ?", "date"),
        ("In what year does the programme end?", "date"),
        ("Et pour les participants, ça coûte combien ?", "price"),
        ("How much does the course cost?", "price"),
        ("Combien gagne un analyste de support client ?", "money"),
        ("What's the salary of a support analyst?", "money"),
        ("Combien de personnes Amazon veut-elle former ?", "count"),
        ("How many employees were retrained?", "count"),
        ("Combien de semaines a duré le cours ?", "number"),
        ("How old is Jarred Gaines?", "number"),
        ("Qui est Teresa Carlson ?", "name"),
        ("Which company hired him?", "name"),
        ("Comment s’appelle le cours ?", "name"),
        ("What's the website to sign up?", "site"),
        ("Pourquoi Amazon lance-t-elle ce programme ?", ""),
        ("Why does it matter?", ""),
    ],
)
def test_the_question_words_say_what_is_asked(question: str, kind: str) -> None:
    assert asked(question) == kind


def test_what_a_sentence_holds() -> None:
    assert holds("date", "Ce jeudi 10 décembre 2020, Amazon a annoncé…")
    assert holds("date", "L’année dernière déjà, Amazon a engagé…")
    assert not holds("date", "passer une autre année ou plus à mettre leurs compétences à niveau")
    assert holds("price", "offrir gratuitement aux gens l’éducation nécessaire")
    assert not holds("money", "offrir gratuitement aux gens l’éducation nécessaire")
    assert holds("money", "a budget of £38 million") and holds("money", "700 millions de dollars")
    assert holds("count", "29 millions de personnes") and not holds("count", "grimper de 29%")
    assert not holds("count", "un cours de 12 semaines") and holds("number", "12 semaines")
    assert holds("name", "explique Teresa Carlson, vice-présidente")
    assert not holds("site", "des ONG ou encore des écoles") and holds("site", "see www.aws.com")
    assert holds("", "anything at all")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("La formation est-elle gratuite ?", True),
        ("Amazon va-t-elle embaucher les gens formés ?", True),
        ("Is it free?", True),
        ("Il a ouvert sa salle de sport, non ?", True),
        ("Combien de personnes Amazon veut-elle former ?", False),
        ("Quand Amazon a-t-elle annoncé cela ?", False),
        ("Qu’a-t-elle dit ?", False),
    ],
)
def test_yes_no_questions(question: str, expected: bool) -> None:
    assert yes_no(question) is expected


def test_a_country_is_not_a_sum_of_money() -> None:
    assert asked("Dans quel pays travaillaient les salariés reconvertis ?") == ""
    assert asked("Combien Amazon a-t-elle payé pour ces formations ?") == "price"
    assert asked("What did Amazon pay for it?") == "money"


@pytest.mark.parametrize(
    ("searched", "turn", "expected"),
    [
        # A follow-up joined to the previous question asks what its own question words ask.
        ("who is jarred gaines what's his job now?", "what's his job now?", "what's his job now?"),
        ("Combien de personnes ? Et d'ici quand ?", "Et d'ici quand ?", "Et d'ici quand ?"),
        (
            "How many people? Will it cost them anything?",
            "Will it cost them anything?",
            "Will it cost them anything?",
        ),
        # One with no question word of its own asks what the previous question asked.
        (
            "Combien de personnes ? Et pour les employés ?",
            "Et pour les employés ?",
            "Combien de personnes ? Et pour les employés ?",
        ),
        # A rewritten follow-up, or a question with no history, is read whole.
        (
            "Quel est le travail actuel de Jarred Gaines ?",
            "Et maintenant, il fait quoi ?",
            "Quel est le travail actuel de Jarred Gaines ?",
        ),
        ("Who is Jarred Gaines?", "Who is Jarred Gaines?", "Who is Jarred Gaines?"),
    ],
)
def test_the_words_that_ask_are_the_follow_ups_own(searched: str, turn: str, expected: str) -> None:
    assert asking_part(searched, turn) == expected


def test_a_joined_follow_up_asks_for_its_own_kind_of_answer() -> None:
    joined = "who is jarred gaines what's his job now?"
    assert asked(joined) == "name" and asked(asking_part(joined, "what's his job now?")) == ""
    tagged = "For how many employees? And is the new programme aimed at them?"
    assert not yes_no(tagged)
    assert yes_no(asking_part(tagged, "And is the new programme aimed at them?"))


def test_a_joined_follow_up_splits_into_the_previous_question_and_its_own() -> None:
    joined, turn = "who is jarred gaines what's his job now?", "what's his job now?"
    assert follows(joined, asking_part(joined, turn)) == ("who is jarred gaines", turn)
    # Read whole (no question words of its own, rewritten, or no history): nothing before it.
    plain = "Combien de personnes ? Et pour les employés ?"
    assert follows(plain, asking_part(plain, "Et pour les employés ?")) == ("", plain)
    assert follows("Who is Jarred Gaines?", "") == ("", "Who is Jarred Gaines?")

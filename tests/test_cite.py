"""Markers → spans, and removal of what the cited passages do not support."""

from bot.cite import markers, split_sentences, verify
from bot.facts import absent_facts, name_supported, names, numbers, unsupported_facts
from bot.retrieve import Passage
from bot.split import Chunk


def _passage(text: str, start: int = 0, paragraph: int = 1, context: str = "") -> Passage:
    chunk = Chunk(
        "id" + str(start),
        "a.txt",
        text,
        start,
        start + len(text),
        paragraph,
        start,
        start - len(context),
        context + text,
    )
    return Passage(chunk)


P = [
    _passage("Amazon veut former 29 millions de personnes d’ici 2025.", 0, 1),
    _passage("Il a suivi un cours de 12 semaines.", 100, 5, context="Jarred Gaines est coach. "),
    _passage("Amazon a engagé 700 millions de dollars pour 100 000 employés.", 200, 4),
]


def test_numbers_are_normalised_across_languages() -> None:
    assert numbers("100 000 employés") == numbers("100,000 employees") == {100000.0}
    assert numbers("29 millions") == numbers("29 million") == {29e6}
    assert numbers("$700 million") == {7e8}
    assert numbers("twelve weeks") == numbers("12 semaines") == {12.0}
    assert numbers("29 %") == numbers("29 percent") == {29.0}


def test_a_models_spaced_thousands_are_one_number_but_lists_are_not_merged() -> None:
    assert numbers("100, 000 employees") == {100000.0}
    assert numbers("in 2019, 100 people") == {2019.0, 100.0}
    assert name_supported("ongs", "des ONG ou encore des écoles")


def test_question_premises_the_article_lacks_are_found_as_written() -> None:
    article = "Amazon veut former 29 millions de personnes d’ici 2025. Gaines a 35 ans."
    assert absent_facts("Amazon wants to train 30 million people by 2030, right?", article) == [
        "30 million",
        "2030",
    ]
    assert absent_facts("Is Teresa Carlson the CEO?", article + " Teresa Carlson") == ["CEO"]
    assert absent_facts("Does Gaines have 35 years? How old?", article) == []  # "How" starts one
    assert absent_facts("Quelle est la capitale de l’Australie ?", article) == ["Australie"]


def test_a_percentage_needs_a_percentage() -> None:
    ev = "Son chiffre d’affaires a grimpé de 29% le jeudi 10 décembre."
    assert unsupported_facts("Revenue grew 29 percent.", ev) == []
    assert unsupported_facts("Revenue grew 10%.", ev) == ["10%"]


def test_a_sum_of_money_needs_a_sum_of_money() -> None:
    ev = "Amazon a engagé 700 millions de dollars et veut former 29 millions de personnes."
    assert unsupported_facts("Amazon spent $700 million.", ev) == []
    assert unsupported_facts("Amazon spent 700 million dollars.", ev) == []
    assert unsupported_facts("It costs 29 million dollars.", ev) == ["2.9e+07 (money)"]


def test_months_and_names_must_be_in_evidence() -> None:
    ev = "Ce jeudi 10 décembre 2020, Amazon a annoncé son plan, rapporte le Wall Street Journal."
    assert unsupported_facts("It was announced on December 10, 2020.", ev) == []
    assert unsupported_facts("It was announced on November 10, 2020.", ev) == ["month 11"]
    assert unsupported_facts("It was Microsoft.", "Amazon l’a annoncé.") == ["microsoft"]
    assert unsupported_facts("Jeff Bezos said so.", "Amazon l’a dit.") == ["bezos", "jeff"]
    assert unsupported_facts("AWS grew.", "Amazon Web Services a grandi.") == []


def test_possessives_and_elisions_keep_the_name() -> None:
    assert names("What was the name of Gaines's course?") == {"gaines"}
    assert names("He read Jeff Bezos' plan") == {"jeff", "bezos"}
    assert names("Le plan de l'Amazon de Bezos") == {"amazon", "bezos"}


def test_markers_after_full_stop_and_lists() -> None:
    sents = split_sentences("First fact. [1], [3] Second fact [2][3].")
    assert sents == ["First fact [1, 3].", "Second fact [2, 3]."]
    assert markers(sents[0]) == [1, 3]


def test_supported_sentence_keeps_its_citation_mapped_to_the_span() -> None:
    checked = verify("Amazon wants to train 29 million people by 2025 [1].", P)
    assert checked.text == "Amazon wants to train 29 million people by 2025 [1]."
    (c,) = checked.citations
    assert (c.id, c.start, c.end, c.paragraph) == (1, 0, len(P[0].text), 1)
    assert c.quote == P[0].text


def test_invented_number_is_removed() -> None:
    checked = verify("Amazon veut former 29 millions de personnes [1]. Gaines a 28 ans [2].", P)
    assert "28" not in checked.text
    assert [s.supported for s in checked.support] == [True, False]
    assert "28" in checked.support[1].reason


def test_wrong_citation_is_corrected_or_dropped() -> None:
    # Cites the 700M passage for the 12-week course: moved to the passage that says it.
    checked = verify("Gaines a suivi un cours de 12 semaines [3].", P)
    assert [c.quote for c in checked.citations] == [P[1].text]
    assert checked.text.endswith("[1].")
    # Cites nothing that holds the number: the sentence goes.
    checked = verify("Amazon a dépensé 900 millions de dollars [3].", P)
    assert checked.text == "" and checked.citations == []


def test_names_may_come_from_the_preceding_sentences() -> None:
    checked = verify("Jarred Gaines a suivi un cours de 12 semaines [2].", P)
    assert checked.support[0].supported


def test_uncited_sentence_gets_the_passage_that_supports_it() -> None:
    checked = verify("Amazon a engagé 700 millions de dollars.", P)
    assert checked.support[0].reason == "citation added"
    assert checked.citations[0].quote == P[2].text


def test_restating_the_question_is_not_an_answer() -> None:
    question = "Amazon a-t-elle réellement formé 29 millions de personnes d’ici 2025 ?"
    echo = "Oui, Amazon a réellement formé 29 millions de personnes d’ici 2025 [1]."
    checked = verify(echo, P, question=question)
    assert checked.text == "" and checked.support[0].reason == "weak support"
    checked = verify(
        "Amazon veut former 29 millions de personnes d’ici 2025 [1].",
        P,
        question="Combien de personnes Amazon veut-elle former ?",
    )
    assert checked.support[0].supported


def test_citations_are_renumbered_in_order_of_use() -> None:
    checked = verify(
        "Il a suivi un cours de 12 semaines [2]. Amazon veut former 29 millions [1].", P
    )
    assert checked.text == (
        "Il a suivi un cours de 12 semaines [1]. Amazon veut former 29 millions [2]."
    )
    assert [c.start for c in checked.citations] == [100, 0]

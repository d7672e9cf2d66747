"""The advice answer's parts and how a long one is shortened (no model: the quotes are given)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.advice import AIM_CHARS, CHECK, MAX_CHARS, advise, phrase
from bot.profile import Advice, Fact

STORY = (
    "Coach sportif de formation, cet Américain de 35 ans prévoyait d’ouvrir sa propre salle de "
    "sport, mais la pandémie en a décidé autrement.",
    "Après avoir suivi un cours de 12 semaines sur le cloud computing dans le cadre d’un "
    "programme gratuit soutenu par Amazon, il est désormais analyste de support client.",
)
FREE = (
    "Grâce à des programmes déjà existants ainsi que de nouveaux partenariats avec des ONG ou "
    "encore des écoles, l’entreprise souhaite offrir gratuitement aux gens l’éducation "
    "nécessaire pour travailler dans le domaine du cloud computing."
)
JOB = (
    "Les personnes concernées n’obtiendront pas forcément un poste chez Amazon, mais devraient "
    "être en mesure de trouver un emploi dans d’autres entreprises technologiques et plus "
    "particulièrement celles disposant d’Amazon Web Services."
)


def _advice(lead: str) -> Advice:
    return Advice(
        story=STORY,
        story_intro={"fr": "L’article raconte le parcours de Jarred Gaines :"},
        facts=(Fact(FREE, ("cost", "general")), Fact(JOB, ("job", "general"))),
        leads={
            "cost": {"fr": "D’après l’article, la formation est gratuite."},
            "job": {"fr": lead},
            "general": {"fr": "L’article ne promet rien."},
        },
        lead_order=("job", "cost", "general"),
        unknowns={},
        default_unknowns=("enrol",),
        followups={},
    )


def _render(quote: str, n: int, cut: Callable[[str], str] | None) -> tuple[str, str]:
    shown = cut(quote) if cut else quote
    return f"« {shown} » [{n}]", shown


QUESTION = "J’ai 40 ans : est-ce gratuit, et Amazon m’embauchera-t-elle ensuite ?"
JOB_LEAD = "L’article ne promet pas d’emploi chez Amazon : il parle d’emplois ailleurs."
NOT_SAID_LONGER = "Il ne dit pas combien de temps prend la recherche d’un emploi."


def _answer(lead: str, question: str = QUESTION) -> tuple[str, tuple[str, ...], str]:
    parts, _ = advise(question, "fr", _advice(lead), _render)
    return " ".join(p.text for p in parts), parts[0].quotes, parts[1].text


def test_a_short_advice_answer_quotes_its_facts_whole() -> None:
    text, quotes, not_said = _answer(JOB_LEAD, "Est-ce gratuit pour moi, à 40 ans ?")
    assert quotes == (*STORY, FREE)  # the cost concern's fact, whole
    assert not_said.endswith(CHECK["fr"]) and len(text) <= AIM_CHARS


FREE_PHRASE = FREE[FREE.index("l’entreprise") :]
JOB_PHRASE = JOB[: JOB.index(",")]  # the job words, not the "mais…" phrase


def test_a_long_one_quotes_its_facts_by_the_phrase_that_holds_the_concern() -> None:
    text, quotes, not_said = _answer(JOB_LEAD)
    # The last fact is cut first; here that was not enough. The story is never cut.
    assert quotes == (*STORY, FREE_PHRASE, JOB_PHRASE)
    assert f"« {JOB_PHRASE} » [4]" in text and not_said.endswith(CHECK["fr"])
    assert len(text) <= AIM_CHARS


def test_then_the_line_sending_the_reader_to_the_providers_goes() -> None:
    text, quotes, not_said = _answer(f"{JOB_LEAD} {JOB_LEAD} {NOT_SAID_LONGER}")
    assert quotes == (*STORY, FREE_PHRASE, JOB_PHRASE)
    assert not not_said.endswith(CHECK["fr"]) and len(text) <= AIM_CHARS


def test_cuts_that_miss_the_aim_are_not_made_and_facts_go_only_past_the_bound() -> None:
    text, quotes, not_said = _answer(" ".join([JOB_LEAD] * 3))  # cut, still over the aim
    assert AIM_CHARS < len(text) <= MAX_CHARS and quotes == (*STORY, FREE, JOB)
    assert not not_said.endswith(CHECK["fr"])
    text, quotes, _ = _answer(" ".join([JOB_LEAD] * 4))  # whole, over the bound: a fact goes
    assert len(text) <= MAX_CHARS and quotes == (*STORY, FREE)


def test_an_answer_over_the_bound_with_no_fact_left_still_tells_the_story() -> None:
    text, quotes, not_said = _answer(" ".join([JOB_LEAD] * 20))
    assert len(text) > MAX_CHARS and quotes == STORY and not_said.startswith("Ce que l’article")


def test_a_fact_told_for_two_concerns_is_cut_only_to_a_phrase_holding_both() -> None:
    enrol = "Est-ce gratuit, et comment s’inscrire ? Amazon m’embauchera-t-elle ensuite ?"
    advice = _advice(JOB_LEAD)
    filed = dataclasses.replace(advice.facts[0], topics=("cost", "start"))
    advice = dataclasses.replace(advice, facts=(filed, advice.facts[1]))
    parts, _ = advise(enrol, "fr", advice, _render)
    # No phrase of FREE tells how to start: the one on where the courses come from may be it.
    assert parts[0].quotes == (*STORY, FREE, JOB_PHRASE)


def test_a_fact_without_the_concerns_words_stays_whole() -> None:
    assert phrase(JOB, ["cost"]) == JOB  # neither phrase tells of cost
    assert phrase(FREE, ["cost"]) == FREE_PHRASE
    assert phrase(FREE, []) == FREE
    assert phrase(FREE, ["cost", "job"]) == FREE  # a phrase must hold every concern needed

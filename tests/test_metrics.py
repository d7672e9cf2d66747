"""The eval's scoring is itself tested: a metric that cannot fail measures nothing."""

from bot.types import Answer, Citation
from evals.metrics import concise, fact_present, forbidden_found, score_case
from evals.run import check_gate, markdown, summarise

TEXT = "Ce jeudi 10 décembre 2020, Amazon veut former 29 millions de personnes d’ici 2025."


def _answer(text: str, cites=(), abstained=False, language="en") -> Answer:
    return Answer(text, list(cites), abstained, language, "")


def _case(**kw):
    base = {
        "id": "x",
        "lang": "en",
        "answerable": True,
        "key_facts": [["29 millions", "29 million"]],
        "forbidden": ["50 million"],
        "paragraphs": [1],
    }
    return {**base, **kw}


GOOD_CITE = Citation(1, "a.txt", TEXT[27:], 27, len(TEXT), 1)


def test_fact_matching_normalises_numbers_and_case() -> None:
    assert fact_present(["100 000"], "about 100,000 employees")
    assert fact_present(["29 millions"], "29 MILLIONS de personnes")
    assert not fact_present(["2025"], "by 2026")


def test_forbidden_claims_ignore_quoted_article_text() -> None:
    assert forbidden_found(["28 ans"], "Il a 28 ans.") == ["28 ans"]
    assert forbidden_found(["28 ans"], "L’article dit : « il a 28 ans » [1].") == []


def test_conciseness() -> None:
    assert concise("Short answer [1].")
    assert not concise("Word. " * 200)


def test_correct_answer_scores_everywhere() -> None:
    s = score_case(
        _case(),
        _answer("Amazon wants to train 29 million people [1].", [GOOD_CITE]),
        1.0,
        lambda _: TEXT,
    )
    assert s.correct and s.evidence_hit and s.language_ok
    assert (s.citations_valid, s.citations_total) == (1, 1)
    assert (s.sentences, s.sentences_supported, s.citations_precise) == (1, 1, 1)


def test_wrong_answers_are_caught() -> None:
    bad_quote = Citation(1, "a.txt", "not in the source", 0, 17, 2)
    s = score_case(
        _case(), _answer("Amazon will train 50 million [1].", [bad_quote]), 1.0, lambda _: TEXT
    )
    assert not s.correct and not s.evidence_hit and s.citations_valid == 0
    assert s.sentences_supported == 0 and s.citations_precise == 0
    s = score_case(
        _case(),
        _answer("Amazon veut former 29 millions de personnes [1].", [GOOD_CITE]),
        1.0,
        lambda _: TEXT,
    )
    assert not s.language_ok  # asked in English


def test_unanswerable_needs_an_abstention() -> None:
    case = _case(answerable=False, key_facts=[])
    assert score_case(case, _answer("The article does not say.", abstained=True), 1, str).correct
    assert not score_case(case, _answer("Canberra."), 1, str).correct


def test_summary_and_gate() -> None:
    cases = [_case(), _case(answerable=False, key_facts=[])]
    scores = [
        score_case(cases[0], _answer("29 million [1].", [GOOD_CITE]), 2.0, lambda _: TEXT),
        score_case(cases[1], _answer("Canberra."), 4.0, lambda _: TEXT),
    ]
    summary = summarise(cases, scores)
    assert summary["answer_accuracy"] == 0.5 and summary["abstention"] == 0.0
    assert summary["median_latency_s"] == 3.0
    gate = {"default": {"answer_accuracy": 0.4, "abstention": 0.5, "false_abstention": 0.0}}
    assert check_gate({"default": summary}, gate) == ["default.abstention = 0.0 (gate 0.5)"]
    # Nothing to measure is shown as such, and a gate on it fails instead of passing.
    assert summary["situation_rubric"] is None and "| career-situation rubric | – |" in markdown(
        {"default": summary}
    )
    assert check_gate({"default": summary}, {"default": {"situation_rubric": 0.9}}) == [
        "default.situation_rubric: no case measures it (gate 0.9)"
    ]


def test_a_short_answer_is_scored_and_counted_in_the_length() -> None:
    from dataclasses import replace

    text = "The article says: “Amazon wants to train 29 million people.” [1]"
    plain = score_case(_case(), _answer(text, [GOOD_CITE]), 1.0, lambda _: TEXT)
    assert plain.short is None and plain.short_verbatim is None and plain.short_holds_fact is None
    lead = replace(_answer(text, [GOOD_CITE]), short="29 million")
    s = score_case(_case(), lead, 1.0, lambda _: TEXT)
    assert s.short_verbatim and s.short_holds_fact and s.chars == len(text) + len("29 million") + 2
    wrong = score_case(_case(), replace(lead, short="12 weeks"), 1.0, lambda _: TEXT)
    assert wrong.short_verbatim is False and wrong.short_holds_fact is False
    outside = score_case(_case(), replace(lead, short="The article says"), 1.0, lambda _: TEXT)
    assert outside.short_verbatim is False  # in the answer's text, but not in a quote
    summary = summarise([_case()] * 2, [s, wrong])
    assert summary["short_given"] == 1.0 and summary["short_key_fact"] == 0.5
    assert summary["short_verbatim"] == 0.5

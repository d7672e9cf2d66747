"""Scoring of one answer against one gold case (pure functions; see eval/README.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.cite import markers, split_sentences, strip_markers
from bot.facts import numbers, unsupported_facts
from bot.language import detect_language
from bot.text import fold

QUOTED = re.compile(r"«[^»]*»|“[^”]*”")
MAX_CHARS = 500  # own words (quotes excluded); longer answers are not concise
MAX_SENTENCES = 4


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


def own_words(text: str) -> str:
    """The answer without quoted article text and citation markers."""
    return strip_markers(QUOTED.sub(" ", text)).strip()


def fact_present(alternatives: Sequence[str], text: str) -> bool:
    """An alternative appears in the text, as words or as the same number (100 000 = 100,000)."""
    norm = _norm(text)
    values = numbers(text)
    for alt in alternatives:
        if _norm(alt) in norm:
            return True
        alt_values = numbers(alt)
        if alt_values and alt_values <= values and not re.sub(r"[\d\s.,%$€]", "", alt):
            return True  # a bare number written another way
    return False


def concise(text: str) -> bool:
    mine = own_words(text)
    return len(mine) <= MAX_CHARS and len(split_sentences(mine)) <= MAX_SENTENCES


def forbidden_found(forbidden: Sequence[str], text: str) -> list[str]:
    norm = _norm(own_words(text))
    return [f for f in forbidden if _norm(f) in norm]


# An answer that says plainly what the article does not tell (the "not in the article" part).
NOT_SAID = re.compile(
    r"ne (le )?(dit|précise|mentionne|indique) pas|n['’]en dit rien|ne dit rien|"
    r"does not (say|mention|tell|specify)|doesn['’]t (say|mention|tell)|not in the article|"
    r"ne le dit pas|à vérifier|to check elsewhere|look (it )?up",
    re.I,
)


def fold_of(case_id: str, folds: int = 5) -> int:
    """A case's cross-validation fold, fixed by its id."""
    import hashlib

    return int(hashlib.sha256(case_id.encode()).hexdigest()[:8], 16) % folds


# A quote as an English answer shows it: the checked translation of a cited sentence.
TRANSLATED_QUOTE = re.compile(r"“([^”]*)”")


@dataclass
class Score:
    correct: bool
    evidence_hit: bool | None  # None for unanswerable cases
    citations_valid: int
    citations_total: int
    sentences: int
    sentences_supported: int
    citations_precise: int
    abstained: bool
    language_ok: bool
    latency_s: float
    detail: str = ""
    category: str = ""
    yesno: str | None = None  # the expected polarity of a yes/no case
    says_unknowns: bool | None = None  # for cases that need the "not in the article" part
    advice: bool = False  # answered as advice (a question taken to be about the asker)
    about_asker: bool = False  # the case is about the asker's own situation
    chars: int = 0  # the answer's length, as a reader sees it (its short answer too)
    short: str | None = None  # the short answer shown above the quotes
    short_verbatim: bool | None = None  # inside one of the answer's quotes (None: no short)
    short_holds_fact: bool | None = None  # holds a key fact (None: no short or unanswerable)


def score_case(
    case: dict[str, Any], answer: Any, latency_s: float, source_text: Callable[[str], str]
) -> Score:
    text = answer.text
    cites = list(answer.citations)
    gold_paras = set(case["paragraphs"])
    valid = sum(1 for c in cites if _valid(c, source_text))
    bad = forbidden_found(case["forbidden"], text)
    needs_unknowns = bool(case.get("needs_unknowns"))
    says_unknowns = bool(NOT_SAID.search(own_words(text))) if needs_unknowns else None
    if case["answerable"]:
        missing = [g[0] for g in case["key_facts"] if not fact_present(g, text)]
        if needs_unknowns and not says_unknowns:
            missing.append("(what the article does not say)")
        short = concise(text) or case.get("category") == "situation"
        correct = not answer.abstained and not missing and not bad and short
        hit: bool | None = any(c.paragraph in gold_paras for c in cites) and not answer.abstained
        detail = "; ".join(
            filter(
                None, [f"missing {missing}" if missing else "", f"forbidden {bad}" if bad else ""]
            )
        )
    else:
        correct = bool(answer.abstained) and not bad
        hit, detail = None, f"forbidden {bad}" if bad else ""
    n_sent, n_sup, n_precise = (0, 0, 0) if answer.abstained else _alce(answer, gold_paras)
    lang_ok = answer.language == case["lang"] and _language_of(text, case["lang"])
    lead = getattr(answer, "short", None)
    shown = [c.quote for c in cites] + TRANSLATED_QUOTE.findall(text)  # what is quoted
    verbatim = None if not lead else any(lead in q for q in shown)
    holds = (
        any(fact_present(g, lead) for g in case["key_facts"])
        if lead and case["answerable"]
        else None
    )
    return Score(
        correct,
        hit,
        valid,
        len(cites),
        n_sent,
        n_sup,
        n_precise,
        bool(answer.abstained),
        lang_ok,
        latency_s,
        detail,
        case.get("category", ""),
        case.get("yesno"),
        says_unknowns,
        getattr(answer, "kind", "answer") == "advice",
        bool(case.get("about_asker", case.get("category") == "situation")),
        len(text) + (len(lead) + 2 if lead else 0),
        lead,
        verbatim,
        holds,
    )


def _valid(c: Any, source_text: Callable[[str], str]) -> bool:
    try:
        return bool(c.quote) and source_text(c.source)[c.start : c.end] == c.quote
    except (OSError, ValueError):
        return False


def _alce(answer: Any, gold_paras: set[int]) -> tuple[int, int, int]:
    """ALCE-style citation recall and precision, with lexical fact checks in place of NLI.

    Recall: a sentence counts when it cites something and its numbers, dates and names are
    all in what it cites. Precision: a citation counts when it comes from a gold paragraph
    (for unanswerable cases, none is expected) or carries the facts of its sentence.
    """
    by_id = {c.id: c for c in answer.citations}
    sentences = [s for s in split_sentences(answer.text) if own_words(s)]
    supported = precise = 0
    for s in sentences:
        ids = [n for n in markers(s) if n in by_id]
        quotes = " ".join(by_id[i].quote for i in ids)
        if ids and not unsupported_facts(own_words(s), quotes):
            supported += 1
    for c in answer.citations:
        if c.paragraph in gold_paras:
            precise += 1
    return len(sentences), supported, precise


def _language_of(text: str, expected: str) -> bool:
    mine = own_words(text)
    if len(re.findall(r"\w+", mine)) < 2:
        return True  # nothing of our own to judge
    return detect_language(mine, expected) == expected

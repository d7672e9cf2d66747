"""The short answer shown above the quotes: a span copied from the best quote, never written.

It is given only where copying is mechanically safe: the question's words ask for a figure, a
sum of money or a date, not both (``lead_kind``), and the best quote, as the reader is shown it
(the French sentence or its checked translation), holds exactly one span of that kind that the
question does not already give. Anything else (who, why, yes/no, two candidates) gets no short
answer: the quote alone answers. A yes/no question never gets one: "£420" in bold above "the
training is free" reads as the fee.
"""

from __future__ import annotations

import re

from bot.compute import NOT_COUNTED
from bot.facts import MONTHS, YEAR, figures, numbers
from bot.qtype import INTERROGATIVES, asked, holds, kinds, yes_no
from bot.text import fold

KINDS = frozenset({"money", "price", "count", "number", "date"})
QUANTITIES = KINDS - {"date"}
# A date as the article writes it: "10 décembre 2020", "December 10, 2020", "décembre 2020",
# "2025". A month name needs a day or a year beside it: alone, "may" is as often the verb.
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"\d{1,2}(?:er|st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
DATE = re.compile(
    rf"\b(?:{_DAY} (?:{_MONTH})(?: {_YEAR})?|(?:{_MONTH}) {_DAY}(?:,? {_YEAR})?"
    rf"|(?:{_MONTH}) {_YEAR}|{_YEAR})\b"
)

AFTER_MONTH = re.compile(rf"\b(?:{_MONTH}) $")  # "December 10": a day, not a count


def _unit(folded: str, end: int) -> re.Match[str] | None:
    """A duration, age or month right after a number ("12 semaines", "12-week", "10 mai")."""
    return NOT_COUNTED.match(folded, end + 1 if folded[end : end + 1] == "-" else end)


def spans(kind: str, text: str) -> list[str]:
    """The spans of ``text`` that give an answer of that kind, verbatim, in order."""
    if kind not in KINDS:
        return []
    # Folded a character at a time ("…" stays one), so offsets hold in the original text.
    folded = "".join(fold(ch)[:1] or ch for ch in text)
    if kind == "date":
        return [text[m.start() : m.end()] for m in DATE.finditer(folded)]
    found = []
    for m, _ in figures(folded):
        if folded[m.start() - 1 : m.start()] == "-":  # part of a name: "Covid-19"
            continue
        money = bool(m.group("cur") or m.group("money"))
        year = bool(YEAR.fullmatch(m.group(0).strip()))
        unit = _unit(folded, m.end())
        day = bool(unit and unit.group(0).strip() in MONTHS) or bool(
            AFTER_MONTH.search(folded, 0, m.start())
        )
        if kind in {"money", "price"} and not money:
            continue
        if kind in {"count", "number"} and (money or year or day):
            continue
        if kind == "count" and (m.group("percent") or unit):
            continue
        end = unit.end() if unit and kind == "number" else m.end()
        found.append(text[m.start() : end].strip())
    return found


# What a question measures, read from its words (closed classes: question words and units),
# and the unit its answer must carry: "Quel âge a-t-il ?" is not answered by "12 semaines",
# nor "How many hours a week…?" by "12-week".
def _unit_words(*words: str) -> re.Pattern[str]:
    return re.compile(rf"\b({'|'.join(words)})\b", re.I)


YEARS = _unit_words("ans?", "ann[ée]es?", "years?")
MEASURES = (
    (_unit_words("quel [âa]ge", "how old", "what age"), YEARS),
    (
        _unit_words("combien de temps", "quelle dur[ée]e", "how long"),
        _unit_words(
            "ans?",
            "ann[ée]es?",
            "mois",
            "semaines?",
            "jours?",
            "heures?",
            "years?",
            "months?",
            "weeks?",
            "days?",
            "hours?",
        ),
    ),
    (
        re.compile(r"\b(pourcentage|percentage|pour ?cents?|pourcents?|percents?)\b|%", re.I),
        re.compile(r"%|\b(pour ?cents?|pourcents?|percents?)\b", re.I),
    ),
    (_unit_words("heures?", "hours?"), _unit_words("heures?", "hours?")),
    (_unit_words("semaines?", "weeks?"), _unit_words("semaines?", "weeks?")),
    (_unit_words("mois", "months?"), _unit_words("mois", "months?")),
    (_unit_words("jours?", "days?"), _unit_words("jours?", "days?")),
    (_unit_words("ann[ée]es", "years"), YEARS),
)


def lead_kind(question: str) -> str | None:
    """The one kind of span that can lead the answer to ``question``, else None: not for a
    yes/no question, nor for one asking both a quantity and a date ("how much was put in when
    it started?", "how many, and by what year?") or two questions joined (a follow-up read
    with the one before it), where one span would answer half of it."""
    kind = asked(question)
    if kind not in KINDS or yes_no(question) or question.count("?") > 1:
        return None
    found = kinds(question)
    if "date" in found and found & QUANTITIES:
        return None
    return kind


def focus(question: str) -> str | None:
    """The kind of answer a question asking for one thing wants — a lead's kind or a name —
    else None (yes/no, why, how, two things asked, two questions joined)."""
    kind = lead_kind(question)
    if kind is None and asked(question) == "name" and not yes_no(question):
        kind = "name"
    asked_words = {m.group(0).lower() for m in INTERROGATIVES.finditer(question)}
    if kind is None or len(asked_words) > 1 or question.count("?") > 1:
        return None
    return kind


def answers(kind: str, question: str, quote: str) -> list[str]:
    """The spans of ``quote`` that could answer a question asking for ``kind``: of that kind,
    not given by the question, with the unit it names ("Quel âge…?" needs years)."""
    given = numbers(question) | {float(y) for y in YEAR.findall(question)}
    found = [s for s in spans(kind, quote) if not (numbers(s) and numbers(s) <= given)]
    units = [unit for asks, unit in MEASURES if asks.search(question)]
    return [s for s in found if all(unit.search(s) for unit in units)]


def proves(kind: str, question: str, quote: str) -> bool:
    """Whether ``quote`` holds an answer of the kind the question asks for (a name: any
    name the article's checks see in it)."""
    return holds("name", quote) if kind == "name" else bool(answers(kind, question, quote))


def short_answer(kind: str, question: str, quote: str) -> str | None:
    """The one span of ``quote`` answering a question asking for ``kind``, else None."""
    distinct = list(dict.fromkeys(answers(kind, question, quote)))
    return distinct[0] if len(distinct) == 1 else None

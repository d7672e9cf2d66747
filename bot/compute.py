"""Calculations the article leaves to its reader, done in code: a one-line lead above the quotes.

Asked "how many times more people?" or "which year is 'last year'?", a small model guesses.
Here the operands are read from the chosen sentences (and the article's date), the arithmetic
is done in Python, and the lead shows the operands with the result and cites the sentences
they come from, so the reader can check it against the quotes that follow. When the operands
are not unambiguous (not exactly two counts, not exactly one later year), there is no lead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.facts import MONTHS, YEAR, figures, numbers

ASKS_RATIO = re.compile(
    r"\b(combien de fois|how many times|fois plus|times (more|larger|bigger|greater|as many)|"
    r"for (every|each)\b.{0,80}\bhow many|pour (chaque|un seul)\b.{0,80}\bcombien|ratio)",
    re.I,
)
# Years, not any duration: "how long was the course?" asks about 12 weeks, not the years to
# the goal.
ASKS_YEARS = re.compile(r"\b(combien d['’](ann[ée]es|ans)|how many years)", re.I)
ASKS_YEAR = re.compile(
    r"\b(en quelle ann[ée]e|quelle ann[ée]e|what year|which year|quand|when|l['’]ann[ée]e "
    r"exacte|exact year|c['’][ée]tait en|was that in)\b",
    re.I,
)
LAST_YEAR = re.compile(
    r"\b(l['’]ann[ée]e derni[èe]re|l['’]an dernier|l['’]ann[ée]e pass[ée]e|l['’]an pass[ée]|"
    r"last year)\b",
    re.I,
)
# A number followed by one of these is a duration, an age or a date, not a count of anything.
NOT_COUNTED = re.compile(
    r"\s*(ans?|ann[ée]es?|semaines?|mois|jours?|heures?|years?|weeks?|months?|days?|hours?|"
    + "|".join(MONTHS)
    + r")\b",
    re.I,
)

OPERAND_WINDOW = 6  # how far down the ranking a comparison's second figure is looked for

LEADS = {
    "fr": {
        "ratio": "Calcul : {a} ÷ {b} = {r}.",
        "span": "Calcul : de {start} (date de l’article) à {end}, {n} ans.",
        "last": "Calcul : l’article date de {year}, « l’année dernière » y désigne donc {prev}.",
    },
    "en": {
        "ratio": "Calculation: {a} ÷ {b} = {r}.",
        "span": "Calculation: from {start} (the article’s date) to {end}, {n} years.",
        "last": "Calculation: the article dates from {year}, so “last year” there means {prev}.",
    },
}


@dataclass(frozen=True)
class Calculation:
    kind: str  # "ratio", "span" or "last"
    values: dict[str, float]
    sources: tuple[int, ...]  # indices of the evidence sentences the operands come from

    def text(self, language: str) -> str:
        lang = language if language in LEADS else "en"
        shown = {k: _number(v, lang) for k, v in self.values.items()}
        return LEADS[lang][self.kind].format(**shown)


def counts(text: str) -> list[float]:
    """Numbers that count something: not sums of money, percentages, years, durations, ages
    or days of the month ("29 millions de personnes", "100 000 de ses propres employés")."""
    return [
        value
        for m, value in figures(text)
        if not (m.group("cur") or m.group("money") or m.group("percent") or m.group("suffix"))
        and not YEAR.fullmatch(m.group(0))
        and not NOT_COUNTED.match(m.string, m.end())
    ]


def missing_operand(
    question: str, chosen: Sequence[str], ranked: Sequence[str], year: int
) -> int | None:
    """The index in ``ranked`` (best first) of the sentence that holds what the calculation
    the question asks for still lacks: the other count of a comparison whose chosen sentences
    hold a single one, or a year after the article's for a "how many years" question whose
    chosen sentences hold none. None when nothing is missing or nothing close holds it."""

    def later(text: str) -> bool:
        return any(int(y) > year for y in YEAR.findall(text))

    if ASKS_RATIO.search(question):
        have = {v for text in chosen for v in counts(text)}
        if len(have) != 1:
            return None
        for i, text in enumerate(ranked[:OPERAND_WINDOW]):
            if len(set(counts(text)) - have) == 1:
                return i
    elif year and ASKS_YEARS.search(question) and not any(later(t) for t in chosen):
        return next((i for i, t in enumerate(ranked[:OPERAND_WINDOW]) if later(t)), None)
    return None


def calculate(
    question: str, evidence: Sequence[str], year: int, best: int = 0
) -> Calculation | None:
    """The calculation the question asks for, from the evidence sentences (``best`` is the
    index of the one ranked first), or None."""
    if ASKS_RATIO.search(question):
        found: dict[float, int] = {}
        for i, text in enumerate(evidence):
            for value in counts(text):
                found.setdefault(value, i)
        if len(found) == 2 and min(found) > 0:
            big, small = sorted(found, reverse=True)
            values = {"a": big, "b": small, "r": big / small}
            return Calculation("ratio", values, tuple(sorted({found[big], found[small]})))
    if year and ASKS_YEARS.search(question):
        later = {
            (int(y), i) for i, t in enumerate(evidence) for y in YEAR.findall(t) if int(y) > year
        }
        if len({y for y, _ in later}) == 1:
            end, i = min(later)
            return Calculation("span", {"start": year, "end": end, "n": end - year}, (i,))
    if year and ASKS_YEAR.search(question):
        # "Last year" in which sentence: the one ranked first, when the question asks about
        # what it tells (shares its figures: "…les 700 millions de dollars ?"), or any chosen
        # one when the question itself says "last year". Not a question about another date.
        said = LAST_YEAR.search(question)
        first = evidence[best] if 0 <= best < len(evidence) else ""
        figures = numbers(question)
        anchored = bool(figures) and figures <= numbers(first)
        where = [best] if anchored and LAST_YEAR.search(first) else []
        if said and not where:
            where = [i for i, t in enumerate(evidence) if LAST_YEAR.search(t)][:1]
        if where:
            return Calculation("last", {"year": year, "prev": year - 1}, (where[0],))
    return None


def _number(value: float, language: str) -> str:
    """A value as the article writes it in that language: "29 millions" / "29 million",
    "100 000" / "100,000"; years and small results as plain digits."""
    if value >= 1e6 and (value / 1e6).is_integer():
        millions = int(value / 1e6)
        return f"{millions} million" + ("s" if language == "fr" and millions > 1 else "")
    if not float(value).is_integer():
        shown = f"{value:.1f}"
        return shown.replace(".", ",") if language == "fr" else shown
    if 1900 <= value <= 2099:
        return str(int(value))
    grouped = f"{int(value):,}"
    return grouped.replace(",", "\u202f") if language == "fr" else grouped

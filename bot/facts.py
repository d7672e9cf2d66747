"""Extract checkable facts (numbers, dates, names) from text, normalised across FR/EN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import permutations

from bot.text import fold, sentences

MONTHS = {
    "janvier": 1,
    "january": 1,
    "fevrier": 2,
    "february": 2,
    "mars": 3,
    "march": 3,
    "avril": 4,
    "april": 4,
    "mai": 5,
    "may": 5,
    "juin": 6,
    "june": 6,
    "juillet": 7,
    "july": 7,
    "aout": 8,
    "august": 8,
    "septembre": 9,
    "september": 9,
    "octobre": 10,
    "october": 10,
    "novembre": 11,
    "november": 11,
    "decembre": 12,
    "december": 12,
}
WORDS = {
    "one": 1,
    "un": 1,
    "une": 1,
    "two": 2,
    "deux": 2,
    "three": 3,
    "trois": 3,
    "four": 4,
    "quatre": 4,
    "five": 5,
    "cinq": 5,
    "six": 6,
    "seven": 7,
    "sept": 7,
    "eight": 8,
    "huit": 8,
    "nine": 9,
    "neuf": 9,
    "ten": 10,
    "dix": 10,
    "eleven": 11,
    "onze": 11,
    "twelve": 12,
    "douze": 12,
    "first": 1,
    "premier": 1,
    "premiere": 1,
    "second": 2,
    "deuxieme": 2,
    "third": 3,
    "troisieme": 3,
    "fourth": 4,
    "quatrieme": 4,
    "hundred": 100,
    "cent": 100,
}
SCALES = {
    "thousand": 1e3,
    "mille": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "m": 1e6,
    "milliard": 1e9,
    "milliards": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
}
# Written-out numbers only count when they quantify something (not "one of", "un cours").
WORD_NUMBER_MIN = 2
NUMBER = re.compile(
    r"(?P<cur>[$€£]\s*)?(?<![\w.])"
    r"(?P<num>\d{1,3}(?:(?:[ \u00a0\u202f,.]|, )\d{3}(?!\d))+|\d+(?:[.,]\d+)?)"
    r"(?P<suffix>(?:st|nd|rd|th|e|er|ème|eme))?"
    r"(?:\s*(?P<scale>thousand|mille|millions?|milliards?|billions?|bn|k|m)\b)?"
    r"(?P<percent>\s*(?:%|percent\b|per cent\b|pour cent\b|pourcent\b))?"
    r"(?P<money>\s*(?:de\s+)?(?:dollars?|euros?|pounds?(?: sterling)?|livres?(?: sterling)?|"
    r"usd|eur|gbp|€|£|\$))?",
    re.I,
)
ALIASES = {
    "united states": "etats-unis",
    "u.s.": "etats-unis",
    "usa": "etats-unis",
    "us": "etats-unis",
    "america": "etats-unis",
    "american": "americain",
    "americans": "americain",
    "aws": "amazon web services",
    "ngo": "ong",
    "ngos": "ong",
    "wsj": "wall street journal",
    "covid": "covid-19",
    "coronavirus": "coronavirus",
    "q3": "troisieme trimestre",
}
NOT_NAMES = frozenset(
    """
    i the a an it its this that these those he she they we you his her their our my your le
    la les un une il elle ils elles on nous vous je ce cette ces son sa ses leur leurs mon
    ma in on at by for of and but or so yes no non oui after before since during according
    selon apres avant depuis pendant comme however cependant ainsi mais et ou donc not pas
    monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi
    vendredi samedi dimanche article answer reponse passage passages question not_found
    """.split()
) | set(MONTHS)


CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w’'-]+")
CLAUSE_ENDS = ".!?:>]"  # a name after "Question :" or a closing tag starts a clause


def value_of(num: str) -> float:
    digits = re.sub(r"[ \u00a0\u202f]", "", num)  # "100 000"; a model may write "100, 000"
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", digits):
        return float(re.sub(r"[,.]", "", digits))
    return float(digits.replace(",", "."))


YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def figures(text: str) -> Iterator[tuple[re.Match[str], float]]:
    """Each number written in ``text`` (matched in its folded form, so the groups say whether
    it is money, a percentage, an ordinal…) with its value, scale included: '29 millions' =
    29e6; "12 m" is more likely metres than millions unless the text speaks of money."""
    folded = fold(text)
    money = bool(re.search(r"\$|€|£|dollar|usd|eur|gbp|pound|livre", folded))
    for m in NUMBER.finditer(folded):
        scale = (m.group("scale") or "").lower()
        if scale in {"m", "k"} and not money:
            scale = ""
        yield m, value_of(m.group("num")) * SCALES.get(scale, 1.0)


def percents(text: str) -> set[float]:
    """Values written as percentages: '29 %' = '29%' = '29 percent' = '29 pour cent'."""
    return {value_of(m.group("num")) for m in NUMBER.finditer(fold(text)) if m.group("percent")}


def amounts(text: str) -> set[float]:
    """Sums of money: '$700 million' = '700 millions de dollars' = 7e8."""
    return {value for m, value in figures(text) if m.group("cur") or m.group("money")}


def numbers(text: str) -> set[float]:
    """Numeric values in ``text``: '100 000' = '100,000', '29 millions' = '29 million' = 29e6."""
    found = {value for _, value in figures(text)}
    for word in re.findall(r"[a-z]+", fold(text)):
        if word in WORDS and WORDS[word] >= WORD_NUMBER_MIN:
            found.add(float(WORDS[word]))
    return found


def months(text: str) -> set[int]:
    return {MONTHS[w] for w in re.findall(r"[a-z]+", fold(text)) if w in MONTHS}


def derivable(values: set[float]) -> set[float]:
    """Values plus simple sums, differences and ratios of pairs (for comparisons)."""
    out = set(values)
    for a, b in permutations(values, 2):
        out.update({a + b, abs(a - b)})
        if b:
            out.update({round(a / b, 1), float(round(a / b))})
    return out


def names(text: str) -> set[str]:
    """Capitalised words after the first one (proper-noun candidates), folded.

    Multi-word aliases ("United States") are mapped to the article's wording first.
    """
    folded_text = fold(text)
    out: set[str] = set()
    covered: set[str] = set()
    for alias, target in ALIASES.items():
        if " " in alias and alias in folded_text:
            out.add(target)
            covered.update(alias.split())
    caps = list(CAPITALISED.finditer(text))
    for i, m in enumerate(caps):
        initial = i == 0 and m.start() == len(text) - len(text.lstrip())
        follows = i + 1 < len(caps) and caps[i + 1].start() == m.end() + 1
        if initial and not (follows or m.group(0).isupper()):
            continue  # a capital that only starts the sentence says nothing
        # "l'Amazon" is Amazon; so are "Gaines's" and "Bezos'" (English possessives)
        word = re.split(r"'", re.sub(r"'s?$", "", fold(m.group(0))))[-1]
        if len(word) > 2 and word not in NOT_NAMES and word not in covered:
            out.add(word)
    return out


def name_supported(name: str, evidence: str) -> bool:
    folded = fold(evidence)
    target = ALIASES.get(name, name)
    stem = target[:-1] if target.endswith("s") and len(target) > 3 else target  # ONGs
    return stem in folded


def unsupported_facts(
    sentence: str, evidence: str, context: str = "", derived: bool = True
) -> list[str]:
    """Numbers and months in ``sentence`` missing from ``evidence``; names missing from both.

    ``context`` (the sentences before the evidence) may name who "il" or "cet Américain" is.
    ``derived`` also accepts sums, differences and ratios of the evidence's numbers.
    """
    missing = []
    allowed = derivable(numbers(evidence)) if derived else numbers(evidence)
    for value in sorted(numbers(sentence)):
        if value not in allowed:
            missing.append(f"{value:g}")
    for value in sorted(amounts(sentence) - amounts(evidence)):
        missing.append(f"{value:g} (money)")
    for value in sorted(percents(sentence) - percents(evidence)):
        missing.append(f"{value:g}%")
    for month in sorted(months(sentence) - months(evidence)):
        missing.append(f"month {month}")
    named = evidence + " " + context
    missing.extend(sorted(n for n in names(sentence) if not name_supported(n, named)))
    return missing


def absent_facts(text: str, evidence: str) -> list[str]:
    """Numbers, amounts, percentages and names of ``text``, as written, that ``evidence`` lacks.

    Used on questions: "30 millions d'ici 2030" against an article that says 29 and 2025
    marks a premise the answer must correct rather than repeat (2030 is not "2025 + 5" here).
    """
    out = [
        m.group(0).strip()
        for m in NUMBER.finditer(text)
        if unsupported_facts(m.group(0), evidence, derived=False)
    ]
    for part in sentences(text, CLAUSE_ENDS):
        missing = sorted(n for n in inner_names(part) if not name_supported(n, evidence))
        words = (re.split(r"['’]", m.group(0))[-1] for m in CAPITALISED.finditer(part))
        written = {fold(w): w for w in words}
        out.extend(written.get(n, n) for n in missing)
    return list(dict.fromkeys(out))


def inner_names(text: str) -> set[str]:
    """``names`` of each sentence or quotation, a capital that starts one not counted."""
    out: set[str] = set()
    for part in sentences(text, CLAUSE_ENDS):
        for piece in re.split(r"[«»“”\"]", part):
            first = re.findall(r"\w+", fold(piece))[:1]
            out |= names(piece) - set(first)
    return out


NEGATION = {
    "fr": re.compile(
        r"\b(?:ne|n')\b[^.;]{0,40}?\b(?:pas|plus|jamais|rien|aucun|aucune|guere|point|nul)\b"
        r"|\bsans\b|\baucun|\bjamais\b|\bnon\b",
    ),
    "en": re.compile(r"\b(?:not|no|never|without|none|nor|nobody|nothing)\b|n't\b"),
}


def negated(text: str, language: str) -> bool:
    """Whether the text holds a negation ("ne … pas", "not", "without", "n't")."""
    return bool(NEGATION[language].search(fold(text)))


def english_numbers(text: str) -> str:
    """French number formats written the English way ("700 millions de dollars" → "$700
    million", "100 000" → "100,000"), so that a translation only has to copy them."""

    def english(m: re.Match[str]) -> str:
        num = m.group("num")
        if re.fullmatch(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+", num):
            num = re.sub(r"[ \u00a0\u202f]", ",", num)
        scale = (m.group("scale") or "").lower().rstrip("s")
        scale = {"million": " million", "milliard": " billion", "mille": ",000"}.get(scale, "")
        money = (m.group("money") or "").lower()
        if "dollar" in money or "$" in (m.group("cur") or "") + money:
            return f"${num}{scale}"
        if "euro" in money or "€" in (m.group("cur") or "") + money:
            return f"€{num}{scale}"
        rest = m.group(0)[m.end("num") - m.start() :]
        return num + (scale if scale else rest)

    return NUMBER.sub(english, text)

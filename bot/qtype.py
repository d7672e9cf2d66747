"""What a question asks for, read from its question words, and whether a text holds it.

Question words are a closed class in each language (combien, quand, qui… / how many, when,
who…), so a short table of them carries over to any article; what is asked *about* is left to
the model's choice of evidence and to the learned decision.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.compute import counts
from bot.facts import YEAR, amounts, inner_names, months, numbers
from bot.text import fold, sentences

# Each kind of answer, the question words that ask for it (first match wins: a sum of money or
# a count is also a number), and what a sentence must hold to give it.
# "pay", "paie", "payé", but not "pays" (a country: "Dans quel pays… ?").
_MONEY_WORDS = (
    r"co[uû]t|d[ée]pens|budget|invest|financ|argent|dollars|euros|salaire|gagn|pay(?!s\b)|pai"
)
ASKS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        (
            "date",
            r"\b(quand|en quelle ann[ée]e|quelle (date|ann[ée]e)|[àa] quelle date|depuis quand|"
            r"d['’]ici quand|jusqu['’][àa] quand|quel jour|when|what (year|date|day)|"
            r"which (year|day))\b",
        ),
        (
            "price",
            r"\b(combien|how much)\b.{0,40}\b(co[uû]t|cost|pay|payer)|\b(prix|price|tarif|fees?|"
            r"frais|payant)\b|\b(co[uû]te|costs?)\b",
        ),
        (
            "money",
            rf"\b(combien|how much|quel|what)\b.{{0,40}}"
            rf"({_MONEY_WORDS}|spen[dt]|\bearn|fund|money)|"
            r"\b(salaire|salary|budget|wages?)\b",
        ),
        (
            "count",
            r"\b(combien (de |d['’])(?!(temps|fois|ann[ée]es?|ans|mois|semaines?|jours?|heures?|"
            r"argent)\b)|how many (?!(years|months|weeks|days|hours|times)\b)|"
            r"le nombre (de|d['’])|the number of)",
        ),
        (
            "number",
            r"\b(combien|how (many|much|long|old)|quel (âge|pourcentage)|what percentage|"
            r"by how much|de combien)\b",
        ),
        (
            "name",
            r"\b(qui|who|whom|quel nom|s['’]appel\w*|name[ds]?|nom|called|"
            r"(quel|quelle|quels|quelles|which|what) ([\w'’-]+ ){0,2}?"
            r"(entreprises?|soci[ée]t[ée]s?|bo[iî]tes?|firmes?|villes?|[ée]coles?|ONG|organisations?|journal|m[ée]dia|"
            r"compan(y|ies)|firms?|employers?|cit(y|ies)|towns?|schools?|NGOs?|"
            r"organi[sz]ations?|newspapers?|universit(y|ies|[ée]s?)))\b",
        ),
        (
            "site",
            r"\b(site|website|url|web ?page|page web|lien|link|adresse (web|internet)|"
            r"s['’]inscrire|sign up|register|enrol+)\b",
        ),
    )
)
FREE = re.compile(r"\b(gratuit\w*|free|sans frais|at no cost|no charge)\b", re.I)
SITE = re.compile(r"https?://|www\.|\b[\w-]+\.(com|org|net|fr|io|uk|de)\b", re.I)
DATE_WORDS = re.compile(
    r"\b((l['’])?(ann[ée]e|an) (derni[èe]re?|pass[ée]e?|prochaine?|pr[ée]c[ée]dente?)|"
    r"(last|previous|next) year|trimestres?|quarters?|lundi|mardi|mercredi|jeudi|vendredi|"
    r"samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
HOLDS: dict[str, Callable[[str], bool]] = {
    "date": lambda t: bool(YEAR.search(t) or months(t) or DATE_WORDS.search(t)),
    "price": lambda t: bool(amounts(t) or FREE.search(t)),
    "money": lambda t: bool(amounts(t)),
    "count": lambda t: bool(counts(t)),
    "number": lambda t: bool(numbers(t)),
    "name": lambda t: bool(inner_names(t)),
    "site": lambda t: bool(SITE.search(t)),
}

# Words that open a turn continuing the previous one ("so did…", "et est-ce…").
CONTINUES = r"and|but|so|ok|okay|et|mais|alors"
# Yes/no questions: an auxiliary first (after a conjunction that continues a turn), a question
# tag last, or French inversion with no question word before it ("La formation est-elle
# gratuite ?", not "Combien veut-elle… ?").
YES_NO = re.compile(
    rf"^\s*(?:(?:{CONTINUES})\W+)?(is|are|was|were|do|does|did|will|would|can|could|should|"
    r"has|have|had|est-ce|y a-t-il|peut-on|faut-il)\b|"
    r"\b(right|non|n['’]est-ce pas|isn['’]t it|correct)\s*\?\s*$",
    re.I,
)
INVERSION = re.compile(r"-(t-)?(il|elle|ils|elles|on)\b[^?]*\?\s*$", re.I)
WH = re.compile(
    r"\b(combien|quand|où|comment|pourquoi|quel|quelle|quels|quelles|qui|que|quoi|lequel|"
    r"laquelle)\b|\bqu['’]",
    re.I,
)


def asked(question: str) -> str:
    """The kind of answer the question asks for ('' when its words ask for none)."""
    return next((kind for kind, pattern in ASKS if pattern.search(question)), "")


def kinds(question: str) -> set[str]:
    """Every kind of answer the question's words ask for (``asked`` gives the first)."""
    return {kind for kind, pattern in ASKS if pattern.search(question)}


def holds(kind: str, text: str) -> bool:
    """Whether ``text`` holds an answer of that kind (True for no kind)."""
    return HOLDS[kind](text) if kind in HOLDS else True


def yes_no(question: str) -> bool:
    """Whether the question asks for a yes or a no."""
    if YES_NO.search(question):
        return True
    inverted = INVERSION.search(question)
    return inverted is not None and not WH.search(question[: inverted.start()])


# The question words, one per thing asked: "Combien de personnes, et où ?" asks two things.
# "qui" is also a relative pronoun ("ceux qui…"), counted all the same: beside another question
# word it keeps the answer's quotes; alone it reads as asking a name, as ``asked`` reads it.
INTERROGATIVES = re.compile(
    r"\b(combien|où|quand|qui|quel|quelle|quels|quelles|comment|pourquoi|lequel|laquelle|"
    r"how (?:many|much|long|old)|where|when|who|whom|whose|which|what|why|how)\b",
    re.I,
)


def asking_part(question: str, turn: str) -> str:
    """The words that say what kind of answer is wanted. A follow-up searched joined to the
    previous question ("who is jarred gaines what's his job now?") asks what its own question
    words ask; one with none of its own ("Et pour les employés ?") asks what the previous
    question did, so the whole text is read."""
    turn = turn.strip()
    joined = bool(turn) and question != turn and question.endswith(turn)
    if joined and (INTERROGATIVES.search(turn) or WH.search(turn) or yes_no(turn)):
        return turn
    return question


def follows(question: str, asking: str) -> tuple[str, str]:
    """(the previous question, the follow-up's own words) when ``question`` is a follow-up
    joined after the previous one and ``asking`` (``asking_part``) is that follow-up; else
    ("", ``question``)."""
    if asking and asking != question and question.endswith(asking):
        return question[: -len(asking)].strip(), asking
    return "", question


# A question on whether something lasted past the article, or on what happened since it: "Is
# she still at AWS?", "so far", "à ce jour". Temporal adverbs, a closed class in each language
# (folded); "still" after a modal or the asker is a possibility ("can I still find work…", "I
# still want…"), not a lasting; before a negation it counts what remains as the article tells
# it ("how many still haven't started?", "toujours pas"); "any more" before a word is a
# quantity ("any more details?").
SINCE = re.compile(
    r"(?<!can )(?<!could )(?<!would )(?<!will )(?<!might )(?<!may )(?<!should )"
    r"(?<!\bi )(?<!\bwe )(?<!\byou )\bstill\b(?!\s+(?:not|no|never)\b|\s+\w+n't\b)"
    r"|\btoujours\b(?!\s+pas\b)"
    r"|\bany ?more\b(?!\s+[a-z])|\b(?:so far|to date|since then|as of (?:today|now)|a ce jour"
    r"|jusqu'(?:a present|ici)|depuis lors|a l'heure actuelle)\b"
)


def outlasts(question: str, evidence: str) -> bool:
    """The question asks whether something lasted past the article, or what happened since
    (``SINCE``), and the evidence does not say so itself ("still do not have the skills"). Only
    its sentences that ask are read when it has any: "réponds toujours que…" or "I'm 25 and
    still a student" say nothing of the article's time."""
    asking = " ".join(s for s in sentences(question) if s.endswith("?")) or question
    said = fold(evidence)
    return any(m.group(0) not in said for m in SINCE.finditer(fold(asking)))

"""Decide whether the selected evidence answers the question, and how sure that is.

No single signal separates answerable from unanswerable questions (the model's P(none) alone
reaches an AUROC of 0.65 on the evaluation sets, the best one 0.75), so several are combined by
a logistic model fitted on them with cross-validation (``make fit``): the model's
probabilities, retrieval scores, key terms of the question the article never uses, the kind of
answer asked for against what the best-ranked sentences hold, and questions about after the
article's date.
Its output is ``Answer.confidence``: the estimated probability that the answer is right.
Two cases are rules, whatever the confidence: a year after the article that it never mentions,
and a name or an amount asked for in so many words that the evidence lacks
(``missing_specific``).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from bot.compute import Calculation, calculate, counts
from bot.facts import (
    ALIASES,
    YEAR,
    absent_facts,
    amounts,
    inner_names,
    months,
    name_supported,
    names,
    numbers,
)
from bot.select import Selection
from bot.text import fold, lemmas

# The question asks for a quantity or a date (then the evidence must hold a number).
ASKS_NUMBER = re.compile(
    r"\b(combien|how (many|much|long|old)|quand|when|what year|which year|en quelle ann[ée]e"
    r"|quel (âge|montant|pourcentage)|what percentage|how big|depuis quand|à quelle date"
    r"|what date)",
    re.I,
)
# The question asks how many of something there are (then the evidence must count something: not
# a duration, an age, a percentage or a sum: "combien de gens…?" is not answered by "12 semaines").
ASKS_COUNT = re.compile(
    r"\b(combien (de |d['’])(?!(temps|fois|ann[ée]es?|ans|mois|semaines?|jours?|heures?|dollars|"
    r"euros|argent)\b)|how many (?!(years|months|weeks|days|hours|times|dollars)\b)|"
    r"le nombre (de|d['’])|the number of)",
    re.I,
)
# The question asks for a name (then the evidence must name something the question does not).
ASKS_NAME = re.compile(
    r"\b(qui|who|whom|quel nom|what is the name|what's the name|what was the name|called"
    r"|s'appelle|s’appelle|nom de|name of|quelle (entreprise|société|soci[ée]t[ée]|ville|"
    r"pays|école)|which (company|firm|employer|city|country|school|website|course))\b",
    re.I,
)
# The question asks for the name of something in so many words ("comment s'appelle…",
# "quelles ONG exactement", "what's the name of…"): then the evidence must name it. Narrower than
# ASKS_NAME ("qui", "which company"), whose answer may be the article's subject itself.
ASKS_NAMED = re.compile(
    r"\b(quel est (le|son|leur) nom|quels? (sont|étaient) (les|leurs) noms|quel nom|"
    r"(il|elle|ils|elles|ça|ca) (a|ont) (un|des) noms?|des noms|s['’]appel+(e|ent)|"
    r"appel[ée]e?s? comment|what'?s (the|its|his|her|their) names?|what (is|are|was|were) "
    r"(the|its|his|her|their) names?|names? of|called|named|"
    r"(quel|quelle|quels|quelles) (?!(est|sont|était|étaient|sera|seront)\b)"
    r"([\w'’-]+ ){1,4}(précisément|exactement)|"
    r"(which|what) (?!(is|are|was|were|do|does|did|will|would|can|could|has|have|had)\b)"
    r"([\w'’-]+ ){1,4}(exactly|specifically|precisely)|"
    # ...or a named thing by its kind: "dans quelle entreprise…", "which city…"
    r"(quel|quelle|quels|quelles|which|what) ([\w'’-]+ ){0,2}?(entreprises?|soci[ée]t[ée]s?|"
    r"bo[iî]tes?|firmes?|villes?|pays|[ée]coles?|ONG|organisations?|journal|journaux|"
    r"compan(y|ies)|firms?|employers?|cit(y|ies)|towns?|countr(y|ies)|schools?|NGOs?|"
    r"organi[sz]ations?|newspapers?))\b",
    re.I,
)
# A goal's year ("d'ici 2025", "by 2025").
TARGET = re.compile(r"\b(?:d['’]ici|by|jusqu['’](?:en|à)|until)\s+(\d{4})\b", re.I)
# Where someone comes from: "cet Américain" answers it.
ASKS_ORIGIN = re.compile(
    r"\b(pays|country|countries|nationalit\w*|d['’]o[uù] vient|where\b.{0,40}\bfrom)\b", re.I
)
# A capitalised word after a demonstrative or an indefinite article is a common noun
# ("cet Américain", "an American"), not a name.
NOT_A_NAME = re.compile(r"\b(cet|cette|ce|un|une|this|an|a)\s+[A-ZÀ-Ý][\w’'-]*")
SUBJECT_SHARE = 0.25  # a name in this share of the article's sentences is what it is about
# Realised outcomes: an article cannot know what happened after it. Not the present as such
# ("il fait quoi aujourd'hui ?", "what does he do now?"): the article's present ("il est
# désormais analyste") answers that, as of its date. Not "actually" or "end up" either, mostly
# emphasis ("who is actually going to train them?", "did he end up opening his gym?"). Of the 29
# fitted questions with these words, 12 are answerable; 7 of the 17 others keep another cue.
AFTER_CUES = re.compile(
    r"\b(toujours|finalement|r[ée]ellement|still|so far|by now|later|plus tard|"
    r"did .{0,40}(reach|meet|achieve|succeed|manage)|a-t-elle (atteint|tenu|réussi)|un succès|"
    r"a success|au final|in the end|(a|ont|avait|avaient) (vraiment )?(réussi|atteint)|"
    r"managed to)\b",
    re.I,
)
# The question asks what something costs (then the evidence must hold a price, or say "free").
ASKS_PRICE = re.compile(
    r"\b(co[uû]te?|co[uû]ter|cost|costs|prix|price|payant|tarif|fees?|"
    r"how much .{0,30}(cost|pay\b)|(faut|dois|doit|devoir|fallu)[^?]{0,20} payer|have to pay)",
    re.I,
)
# How much money is spent on something ("combien Amazon dépense pour…", "how much is it budgeting").
ASKS_SPENT = re.compile(
    r"\b(quel (budget|montant)|what (budget|amount)|budget\w*)\b|\b(combien|how much)\b.{0,60}"
    r"\b(d[ée]pens|spen[dt]|budget|invest|financ|fund|money|argent|dollars|euros)",
    re.I,
)
# What something costs a named payer ("coûte-t-il à Amazon", "cost Amazon"): "free" for the
# trainees does not answer that.
COSTS_PAYER = re.compile(r"\b(co[uû]t\w*(-t-\w+)?|costs?)\s+(à\s+|to\s+)?(?-i:[A-Z])", re.I)
# The question asks for another sum of money: a salary, a budget, what something costs its payer
# (then the evidence must hold an amount; "free" does not say what a support analyst earns).
ASKS_MONEY = re.compile(
    r"\b(salaire|salary|gagne|earn|combien .{0,30}(dollars|euros)|"
    r"how much .{0,30}(earn|dollars)|rémunér|paid|payé|touche|par mois|per month)\b"
    rf"|{ASKS_SPENT.pattern}|{COSTS_PAYER.pattern}",
    re.I,
)
# The question asks for a date (then the evidence must hold one, not just any number).
ASKS_DATE = re.compile(
    r"\b(quand|when|what year|which year|en quelle ann[ée]e|depuis quand|since when|"
    r"à quelle date|what date|by when|d'ici quand|d’ici quand|jusqu'à quand|until when|"
    r"quel jour|what day|which day)\b",
    re.I,
)
DATE = re.compile(
    YEAR.pattern + r"|\b((l'|l’)?(ann[ée]e|an) (derni[èe]re?|pass[ée]e?|prochaine?|"
    r"pr[ée]c[ée]dente?)|(last|previous|next) year|trimestres?|quarters?|lundi|mardi|mercredi|"
    r"jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)\b",
    re.I,
)
# The question asks for an address on the web (then the evidence must hold one).
ASKS_SITE = re.compile(
    r"\b(site( web| internet)?|website|url|web ?page|page web|adresse (web|internet)|"
    r"(le|un|the|a) (lien|link) (pour|vers|to|for)|where (can|do|should) i (sign up|register|"
    r"enrol+|apply)|o[uù] (m'|m’|me |s'|s’|se )?inscrire)",
    re.I,
)
FREE = re.compile(r"\b(gratuit|gratuite|gratuits|gratuites|gratuitement|free|sans frais)\b", re.I)
SITE = re.compile(r"https?://|www\.|\b[\w-]+\.(com|org|net|fr|io)\b", re.I)
YES_NO = re.compile(
    r"^\s*(is|are|was|were|do|does|did|will|would|can|could|should|has|have|had|est-ce|"
    r"y a-t-il|peut-on|faut-il)\b|"
    r"\b(right|non|n'est-ce pas|isn't it|isn't she|correct)\s*\?\s*$",
    re.I,
)
# French inversion ("La formation est-elle gratuite ?") asks yes or no unless a question word
# comes first ("Combien de personnes Amazon veut-elle former ?").
INVERSION = re.compile(r"-(t-)?(il|elle|ils|elles|on)\b[^?]*\?\s*$", re.I)
WH = re.compile(
    r"\b(combien|quand|où|comment|pourquoi|quel|quelle|quels|quelles|qui|que|quoi|lequel|"
    r"laquelle)\b|\bqu['’]",
    re.I,
)


def yes_no(question: str) -> bool:
    """Whether the question asks for a yes or a no."""
    if YES_NO.search(question):
        return True
    inverted = INVERSION.search(question)
    return inverted is not None and not WH.search(question[: inverted.start()])


# The kinds of answer a question may ask for, each with what a sentence must hold to give it
# (in this order: a date, an amount, a price or a count is also a number).
KINDS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("date", ASKS_DATE, lambda text: bool(DATE.search(text) or months(text))),
    ("money", ASKS_MONEY, lambda text: bool(amounts(text))),
    ("price", ASKS_PRICE, lambda text: bool(amounts(text) or FREE.search(text))),
    ("count", ASKS_COUNT, lambda text: bool(counts(text))),
    ("number", ASKS_NUMBER, lambda text: bool(numbers(text))),
    ("site", ASKS_SITE, lambda text: bool(SITE.search(text))),
)


def wanted(question: str) -> Callable[[str], bool] | None:
    """What a sentence must hold to answer the question (a date, an amount of money, a
    number, a web address), or None when the question asks for none of these."""
    return next((holds for _, asks, holds in KINDS if asks.search(question)), None)


def calculation(question: str, selection: Selection, year: int) -> Calculation | None:
    """The calculation the question asks for, from the chosen evidence (its sources are
    indices into ``selection.chosen``)."""
    chosen = list(selection.chosen)
    top = selection.top
    best = chosen.index(top.passage) if top and top.passage in chosen else 0
    return calculate(question, [p.text for p in chosen], year, best)


CORE = 2  # the best-ranked sentences that must hold the kind of answer asked for


@dataclass(frozen=True)
class Article:
    """What the checks need to know of the corpus as a whole."""

    text: str  # every sentence, in the original language
    gloss: str  # their translations (empty when none)
    year: int  # publication year (0 if unknown)
    vocabulary: frozenset[str] = field(default_factory=frozenset)
    subjects: frozenset[str] = field(default_factory=frozenset)  # names it is about
    sets_goals: bool = False  # it dates a goal ("d'ici 2025")

    @classmethod
    def of(cls, sentences: Sequence[str], gloss: str, year: int, language: str) -> Article:
        text = " ".join(sentences)
        vocab = lemmas(text, language) | lemmas(gloss, "en") | lemmas(text, "en")
        seen = Counter(n for s in sentences for n in inner_names(s))
        subjects = {n for n, k in seen.items() if k >= 2 and k >= SUBJECT_SHARE * len(sentences)}
        goals = bool(TARGET.search(text))
        return cls(text, gloss, year, frozenset(vocab), frozenset(subjects), goals)


def new_names(question: str, evidence: str, article: Article) -> set[str]:
    """The names in the evidence that could answer "what is it called?": not names the
    question gives (or their aliases: "NGOs" is "ONG"), not the article's subjects, not a
    common noun after "cet" or "an" ("cet Américain") unless the question asks where someone
    comes from."""
    given = {ALIASES.get(n, n) for n in names(question)}
    found = inner_names(evidence if ASKS_ORIGIN.search(question) else NOT_A_NAME.sub("", evidence))
    folded = fold(evidence)

    def part_of_given(name: str) -> bool:  # "Jarred" in "Jarred Gaines" when asked about Gaines
        return any(f"{name} {g}" in folded or f"{g} {name}" in folded for g in given)

    return {
        n
        for n in found
        if n not in given
        and n not in article.subjects
        and not name_supported(n, question)
        and not part_of_given(n)
    }


def missing_specific(question: str, selection: Selection, article: Article) -> str:
    """What the question asks for in so many words and the evidence lacks, as the reason to
    abstain ("" when nothing is missing):

    - "no name": it asks for the name of something ("comment s'appelle l'entreprise où…",
      "dans quelle ville…") and the two sentences ranked first name nothing it does not name
      itself, nor anything but the article's subjects (the article says "une entreprise"
      without naming it);
    - "no amount": it asks how much money something counted in the question costs ("combien
      pour former ces 29 millions de personnes ?", with no amount of its own) and no chosen
      sentence holds an amount together with that count (the $700 million went to 100 000
      employees, not to the 29 million).
    """
    core = " ".join(c.passage.text for c in selection.candidates[:CORE])
    if ASKS_NAMED.search(question) and not new_names(question, core, article):
        return "no name"
    asked = set(counts(question))
    money = ASKS_PRICE.search(question) or ASKS_MONEY.search(question)  # spent: in ASKS_MONEY
    if money and asked and not amounts(question):
        priced = [p.text for p in selection.chosen if amounts(p.text)]
        if not any(asked & set(counts(text)) for text in priced):
            return "no amount"
    return ""


def features(
    question: str,
    language: str,
    selection: Selection,
    article: Article,
    calculated: Calculation | None,
) -> dict[str, float]:
    """The signals the decision combines, by name; ``calculated`` is the calculation the
    question asks for (``calculation``), if any."""
    top = selection.top
    # What the model ranks first and second: the kind of answer asked for must be there, not
    # only in the sentences added around them (their continuations, retrieval's first choice).
    firsts = selection.candidates[:CORE]
    core = " ".join(c.passage.text for c in firsts)
    asked = lemmas(question, language)
    unknown = {w for w in asked if w not in article.vocabulary}
    years = {int(y.group(0)) for y in YEAR.finditer(question)}
    # "…former 29 millions de personnes d'ici 2030 ?" misquotes a goal the article dates
    # ("d'ici 2025"): a premise its sentence corrects, not a question about after the article.
    misquoted = {int(y) for y in TARGET.findall(question)} if article.sets_goals else set()
    later = bool(article.year) and any(y > article.year for y in years - misquoted)
    named = {n for n in inner_names(core) if not name_supported(n, question)}
    return {
        "p_none": selection.p_none,
        "top_model": top.model if top else 0.0,
        "top_score": top.score if top else 0.0,
        "margin": selection.margin,
        "entropy": selection.entropy,
        # How well the question matches the evidence: the better of the two sentences ranked
        # first (the model may rank "de très nombreuses personnes" above "29 millions de
        # personnes" for "combien de personnes…?"; both are shown).
        "core_dense": max((c.passage.dense for c in firsts), default=0.0),
        "core_lexical": max((math.log1p(c.passage.lexical) for c in firsts), default=0.0),
        "unknown_share": len(unknown) / len(asked) if asked else 0.0,
        "unknown_terms": float(min(len(unknown), 3)),
        **{
            f"{kind}_missing": float(bool(asks.search(question)) and not holds(core))
            for kind, asks, holds in KINDS
        },
        "off_topic": float(not (top and top.passage.lexical) and len(unknown) >= len(asked) / 2),
        "name_missing": float(bool(ASKS_NAME.search(question)) and not named),
        "after_date": float(later and not all(str(y) in article.text for y in years)),
        "after_cue": float(bool(AFTER_CUES.search(question))),
        "yes_no": float(yes_no(question)),
        "absent_facts": float(
            min(len(absent_facts(question, article.text + " " + article.gloss)), 2)
        ),
        "no_evidence": float(not selection.chosen),
        "calculated": float(calculated is not None),
    }


SIGNALS = (
    "p_none",
    "top_model",
    "top_score",
    "margin",
    "entropy",
    "core_dense",
    "core_lexical",
    "unknown_share",
    "unknown_terms",
    "number_missing",
    "count_missing",
    "name_missing",
    "money_missing",
    "price_missing",
    "date_missing",
    "site_missing",
    "off_topic",
    "after_date",
    "after_cue",
    "yes_no",
    "absent_facts",
    "calculated",
)


@dataclass(frozen=True)
class Calibrator:
    """A logistic model over standardised features: P(the evidence answer is right)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the probability reaches this, else abstain

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(
            w * (values.get(n, 0.0) - m) / (s or 1.0)
            for n, m, s, w in zip(self.names, self.mean, self.scale, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        return cls(
            tuple(data["names"]),
            tuple(float(x) for x in data["mean"]),
            tuple(float(x) for x in data["scale"]),
            tuple(float(x) for x in data["weights"]),
            float(data["bias"]),
            float(data["threshold"]),
        )

    @classmethod
    def bundled(cls, name: str = "calibration.json") -> Calibrator:
        """The calibrator fitted on the evaluation set, shipped with the package."""
        return cls.from_dict(json.loads(resources.files("bot").joinpath(name).read_text()))


@dataclass(frozen=True)
class Decision:
    answer: bool
    confidence: float
    reason: str  # why it abstains ("" when it answers)
    features: dict[str, float]
    calculation: Calculation | None = None  # the lead to give when it answers


def decide(
    question: str,
    language: str,
    selection: Selection,
    article: Article,
    calibrator: Calibrator,
) -> Decision:
    calc = calculation(question, selection, article.year)
    values = features(question, language, selection, article, calc)
    if not selection.chosen:
        return Decision(False, 0.0, "no evidence", values)
    p = calibrator.probability(values)
    if values["after_date"]:  # a year after the article's that it never mentions
        return Decision(False, p, "after the article's date", values)
    missing = missing_specific(question, selection, article)
    if missing:
        return Decision(False, p, missing, values)
    if p >= calibrator.threshold:
        return Decision(True, p, "", values, calc)
    # Between half the threshold and the threshold, the evidence may well answer: say so.
    reason = "uncertain" if p >= calibrator.threshold / 2 else "low confidence"
    return Decision(False, p, reason, values)

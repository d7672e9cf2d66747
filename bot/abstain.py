"""What the bot says when the article does not answer: why, and the closest passage."""

from __future__ import annotations

from collections.abc import Callable

from bot.cite import build_citations
from bot.retrieve import Passage
from bot.types import Reply

ABSTAIN = {
    "fr": {
        "": "L’article ne le dit pas.",
        "uncertain": "L’article ne semble pas répondre directement à cette question.",
        "after": "L’article date de {date} : il ne peut pas dire ce qui s’est passé depuis.",
        "no name": "L’article ne donne pas ce nom.",
        "no amount": "L’article ne donne pas ce montant.",
        "nothing": "L’article ne le dit pas, et aucun de ses passages n’en parle.",
        "instruction": "Je réponds seulement aux questions sur l’article, pas aux consignes.",
        "closest": " Le passage le plus proche qu’il contient est [1] : {quote}",
    },
    "en": {
        "": "The article does not say.",
        "uncertain": "The article does not seem to answer this directly.",
        "after": "The article dates from {date}: it cannot say what happened since.",
        "no name": "The article does not give that name.",
        "no amount": "The article does not give that amount.",
        "nothing": "The article does not say, and none of its passages is about this.",
        "instruction": "I only answer questions about the article, not instructions.",
        "closest": " The closest passage it has is [1]: {quote}",
    },
}
MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}


def article_date(date: str, language: str) -> str:
    """'2020-12-10' → 'décembre 2020' / 'December 2020'."""
    parts = date.split("-")
    if len(parts) < 2 or not parts[1].isdigit():
        return date
    return f"{MONTHS[language].split()[int(parts[1]) - 1]} {parts[0]}"


def abstention(
    language: str,
    reason: str,
    closest: Passage | None,
    model: str,
    date: str = "",
    translate: Callable[[str], str | None] | None = None,
) -> Reply:
    """An abstention saying why (``reason``: the decision's), with the closest passage quoted
    (through ``translate`` when the question is in the other language) unless there is none
    or the message was an instruction."""
    msg = ABSTAIN[language if language in ABSTAIN else "en"]
    if reason == "after the article's date" and date:
        text = msg["after"].format(date=article_date(date, language))
    elif reason == "instruction":
        text, closest = msg["instruction"], None
    elif reason in ("no name", "no amount"):
        text = msg[reason]
    elif reason == "uncertain" and closest:
        text = msg["uncertain"]
    else:
        text = msg[""] if closest else msg["nothing"]
    if closest is None:
        return Reply(text, [], True, model)
    gloss = translate(closest.text) if translate else None
    shown = f"“{gloss}”" if gloss else f"« {closest.text} »"
    text += msg["closest"].format(quote=shown)
    return Reply(text, build_citations([1], [closest]), True, model)

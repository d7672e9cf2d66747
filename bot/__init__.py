"""A grounded chatbot about Amazon's cloud-skills programme, with verbatim citations.

Importing ``bot`` is cheap: models and stores load on the first ``answer()``.
"""

from bot.types import Answer, BotError, Citation, InvalidHistory, InvalidQuestion, SentenceSupport

__all__ = [
    "Answer",
    "BotError",
    "Citation",
    "InvalidHistory",
    "InvalidQuestion",
    "SentenceSupport",
    "answer",
]


def answer(question: str, history: list[dict[str, str]] | None = None) -> Answer:
    """Answer a question about the article (French or English), citing verbatim spans of it."""
    from bot.build import answer as _answer

    return _answer(question, history)

"""Rewrite a follow-up question into a standalone one, using the chat history."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_core.messages import HumanMessage

from bot.language import LANGUAGE_NAMES
from bot.llm import Generator, LLMUnavailable
from bot.prompts import render
from bot.qtype import CONTINUES
from bot.text import lemmas

MAX_TURNS = 4


def last_user_question(history: list[dict[str, str]]) -> str:
    for msg in reversed(history):
        if msg["role"] == "user":
            return msg["content"]
    return ""


def heuristic(question: str, history: list[dict[str, str]]) -> str:
    """Without a model: search with the previous question as context."""
    previous = last_user_question(history)
    return f"{previous} {question}".strip() if previous else question


def resolves(rewritten: str, question: str, history: list[dict[str, str]], language: str) -> bool:
    """Whether the rewrite brought in something the conversation said (a content word of the
    history that the follow-up lacks). A rewrite that only rephrases ("What is his current
    job?") leaves the referent unknown; the previous question then gives it."""
    said = lemmas(" ".join(m["content"] for m in history), language)
    return bool((lemmas(rewritten, language) - lemmas(question, language)) & said)


# What makes a question lean on the conversation, in either language: a third-person pronoun,
# possessive or demonstrative, or an opening that continues the previous turn ("Et…", "And…",
# "What about…"). Grammar words, the same for any article.
LEANS = re.compile(
    r"(?<!-)\b(il|elle|ils|elles|lui|leur|leurs|eux|son|sa|ses|ça|ca|cela|celui|celle|ceux|celles|"
    r"ce dernier|cette derni[eè]re|he|she|they|him|her|hers|them|his|their|theirs|it|its|"
    r"this|that|these|those)\b|"
    rf"^\W*({CONTINUES}|ou|or|what about|how about|et pour|and for)\b",
    re.I,
)
MIN_KNOWN = 2  # content words the article knows, for a question to stand on its own


def stands_alone(question: str, language: str, vocabulary: frozenset[str]) -> bool:
    """Whether a follow-up can be searched as it is: no word that points back to the
    conversation, and enough content words of its own that the article uses."""
    if LEANS.search(question):
        return False
    return len(lemmas(question, language) & vocabulary) >= MIN_KNOWN


def _clean(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = re.sub(r"^(rewritten question|question)\s*:\s*", "", line, flags=re.I)
    return line.strip().strip('"“”«» ').strip()


def condense(
    question: str,
    history: list[dict[str, str]],
    language: str,
    generator: Generator | None,
    prompts_dir: Path,
    vocabulary: frozenset[str] = frozenset(),
) -> str:
    """The question to search: the follow-up as it is when it stands alone (``vocabulary``,
    the article's content words, given), else rewritten from the conversation."""
    if not history or (vocabulary and stands_alone(question, language, vocabulary)):
        return question
    if generator is None:
        return heuristic(question, history)
    turns = history[-2 * MAX_TURNS :]
    convo = "\n".join(f"{m['role']}: {m['content'][:600]}" for m in turns)
    prompt = render(
        "condense",
        prompts_dir,
        history=convo,
        question=question,
        language_name=LANGUAGE_NAMES[language],
    )
    try:
        rewritten = _clean(generator.complete([HumanMessage(prompt)], max_tokens=60))
    except LLMUnavailable:
        return heuristic(question, history)
    if not 3 <= len(rewritten) <= 400 or "NOT_FOUND" in rewritten:
        return heuristic(question, history)
    if question.rstrip().endswith("?") and "?" not in rewritten:
        return heuristic(question, history)  # the model answered instead of rewriting
    if not resolves(rewritten, question, turns, language):
        return heuristic(question, history)
    return rewritten

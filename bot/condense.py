"""Rewrite a follow-up question into a standalone one, using the chat history."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_core.messages import HumanMessage

from bot.language import LANGUAGE_NAMES
from bot.llm import Generator, LLMUnavailable
from bot.prompts import render
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
) -> str:
    if not history:
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
    if not resolves(rewritten, question, turns, language):
        return heuristic(question, history)
    return rewritten

"""Turn raw user input into a clean question and history, or explain why not."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.types import InvalidHistory, InvalidQuestion

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
ROLES = {"user", "assistant"}
MAX_MESSAGE_CHARS = 4000


def clean_question(question: Any, max_chars: int) -> str:
    if not isinstance(question, str):
        raise InvalidQuestion(f"The question must be text, not {type(question).__name__}.")
    if len(question) > max_chars:
        raise InvalidQuestion(
            f"The question is too long ({len(question):,} characters; the limit is {max_chars:,}). "
            "Please ask something shorter."
        )
    text = CONTROL.sub(" ", unicodedata.normalize("NFC", question))
    text = re.sub(r"\s+", " ", text).strip()
    if not any(ch.isalnum() for ch in text):
        raise InvalidQuestion("Please type a question (the input is empty).")
    return text


def _content(value: Any, index: int) -> str:
    """Gradio messages carry a string, or a list of parts of which text parts count."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [p.get("text", "") if isinstance(p, dict) else p for p in value]
        if all(isinstance(p, str) for p in parts):
            return " ".join(parts)
    raise InvalidHistory(f"history[{index}]['content'] must be text, not {type(value).__name__}.")


def clean_history(history: Any, max_turns: int) -> list[dict[str, str]]:
    """Validated history, trimmed to the latest turns."""
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise InvalidHistory("history must be a list of {'role', 'content'} messages.")
    out = []
    for i, msg in enumerate(history):
        if not isinstance(msg, dict) or "role" not in msg or "content" not in msg:
            raise InvalidHistory(f"history[{i}] must be a dict with 'role' and 'content'.")
        if msg["role"] not in ROLES:
            raise InvalidHistory(
                f"history[{i}]['role'] must be 'user' or 'assistant', not {msg['role']!r}."
            )
        text = CONTROL.sub(" ", _content(msg["content"], i)).strip()
        out.append({"role": str(msg["role"]), "content": text[:MAX_MESSAGE_CHARS]})
    return out[-2 * max_turns :]


def strip_markup(text: str) -> str:
    """The text a reader sees: HTML tags dropped (script and style with their content)."""
    import html

    import nh3

    if "<" not in text and "&" not in text:
        return text
    cleaned = html.unescape(nh3.clean(text, tags=set()))
    return re.sub(r"\s+", " ", cleaned).strip()

"""Feedback: one JSON line per vote in ``BOT_DATA_DIR/feedback.jsonl``, from the chat's thumbs
or the ``feedback`` API. Each line is written whole, with one ``write`` under a lock that both
the threads of this process and other processes sharing the data directory respect, so
concurrent votes never interleave or overwrite each other.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.types import BotError

MAX_LINE_BYTES = 64_000  # a vote on an answer is a few KB; anything larger is refused
VOTES = {"up": True, "down": False}
_lock = threading.Lock()


def record(turn: dict[str, Any], liked: Any, now: datetime) -> dict[str, Any]:
    """One feedback line for a turn {question, answer (Answer.to_dict()) or error}."""
    answer = turn.get("answer") or {}
    vote = {True: "up", False: "down", None: "none"}.get(liked, str(liked))
    return {
        "time": now.isoformat(timespec="seconds"),
        "vote": vote,
        "question": turn.get("question", ""),
        "answer": answer.get("text", turn.get("error", "")),
        "citations": answer.get("citations", []),
        "abstained": answer.get("abstained"),
        "language": answer.get("language"),
        "model": answer.get("model"),
    }


def api_turn(question: Any, answer: Any, vote: Any) -> tuple[dict[str, Any], bool]:
    """(turn, liked) from the API's arguments: an answer as /answer returned it, 'up' or 'down'."""
    if vote not in VOTES:
        raise BotError("vote must be 'up' or 'down'.")
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError as exc:
            raise BotError(f"answer is not valid JSON: {exc.msg}") from exc
    if not isinstance(question, str) or not isinstance(answer, dict):
        raise BotError("question must be text and answer the object /answer returned.")
    if not isinstance(answer.get("text"), str) or not isinstance(answer.get("citations", []), list):
        raise BotError("answer must have a 'text' and a list of 'citations', as /answer returns.")
    return {"question": question, "answer": answer}, VOTES[vote]


def append(path: Path, line: dict[str, Any]) -> None:
    """Appends one JSON line, whole; BotError if it is too large to be a vote."""
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    if len(data) > MAX_LINE_BYTES:
        raise BotError(f"feedback is limited to {MAX_LINE_BYTES:,} bytes per vote.")
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # other app processes on the same data directory
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)  # also releases the flock

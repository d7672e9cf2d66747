"""A fake chat model that answers from what it is given, and helpers to read its prompt."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

Reply = Callable[[list[BaseMessage]], str]


class FunctionChatModel(BaseChatModel):
    """Replies ``reply(messages)``, streamed word by word (like pydantic-ai's FunctionModel):
    a test states what the model answers to which prompt, not in which order it is called."""

    reply: Reply
    calls: list[list[BaseMessage]] = Field(default_factory=list)  # what it was given

    @property
    def _llm_type(self) -> str:
        return "function"

    def _text(self, messages: list[BaseMessage]) -> str:
        self.calls.append(messages)
        return self.reply(messages)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._text(messages)))])

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        for token in re.split(r"(\s)", self._text(messages)):
            if token:
                yield ChatGenerationChunk(message=AIMessageChunk(content=token))


def replying(reply: str | Reply) -> FunctionChatModel:
    """A model that always says ``reply`` (a text) or answers with ``reply(messages)``."""
    function = reply if callable(reply) else (lambda messages: reply)
    return FunctionChatModel(reply=function)


def prompt_text(messages: list[BaseMessage]) -> str:
    return "\n".join(str(m.content) for m in messages)


def number_of(messages: list[BaseMessage], words: str) -> int:
    """The number [n] of the first sentence of the prompt that contains ``words``."""
    for n, line in re.findall(r"^\[(\d+)\] (.*)$", prompt_text(messages), re.M):
        if words in line:
            return int(n)
    raise AssertionError(f"no numbered sentence of the prompt contains {words!r}")


def is_condense(messages: list[BaseMessage]) -> bool:
    """Whether this is the follow-up rewriting prompt (prompts/condense.md)."""
    return "Rewritten question:" in prompt_text(messages)

"""Chat models: the bundled local GGUF, any LangChain provider, or none (extractive)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from bot.config import Settings

log = logging.getLogger(__name__)

EXTRACTIVE = "extractive"


class LLMUnavailable(RuntimeError):
    """The chat model could not be loaded or did not answer in time."""


@dataclass
class Generator:
    """A chat model plus what callers need around it: a name, a lock, a time limit."""

    model: BaseChatModel
    name: str
    timeout_s: float
    serialise: bool = True  # llama.cpp contexts are not thread-safe

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def exclusive(self) -> AbstractContextManager[Any]:
        """Hold the model alone, e.g. to drive it directly or to wait until it is idle.

        A call that timed out keeps running in its worker thread until its next token; this
        waits for it.
        """
        return self._lock if self.serialise else nullcontext()

    def prepare(self, messages: list[BaseMessage]) -> None:
        """Hook run under the lock before each call (the local model restores its prefix)."""

    def stream(self, messages: list[BaseMessage], max_tokens: int | None = None) -> Iterator[str]:
        """Text deltas; raises LLMUnavailable on failure or once the time limit has passed.

        The model runs in a worker thread, so a provider that hangs without sending anything
        still gives up on time; the worker stops at its next token.
        """
        deadline = time.monotonic() + self.timeout_s
        out: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(
            target=self._produce, args=(messages, max_tokens, deadline, out, stop), daemon=True
        )
        worker.start()
        try:
            while True:
                try:
                    kind, value = out.get(timeout=max(deadline - time.monotonic(), 0.01))
                except queue.Empty:
                    raise LLMUnavailable(
                        f"{self.name} did not answer within {self.timeout_s:.0f} s"
                    ) from None
                if kind == "text":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            stop.set()

    def _produce(
        self,
        messages: list[BaseMessage],
        max_tokens: int | None,
        deadline: float,
        out: queue.Queue[tuple[str, Any]],
        stop: threading.Event,
    ) -> None:
        wait = max(deadline - time.monotonic(), 0.01)
        if self.serialise and not self._lock.acquire(timeout=wait):
            out.put(("error", LLMUnavailable(f"{self.name} is busy (waited {wait:.0f} s)")))
            return
        try:
            self.prepare(messages)
            kwargs: dict[str, Any] = {"max_tokens": max_tokens} if max_tokens else {}
            for chunk in self.model.stream(messages, **kwargs):
                if stop.is_set():
                    break
                if isinstance(chunk.content, str) and chunk.content:
                    out.put(("text", chunk.content))
            out.put(("done", None))
        except Exception as exc:  # any provider error becomes a fallback, never a crash
            out.put(("error", LLMUnavailable(f"{self.name} failed: {type(exc).__name__}: {exc}")))
        finally:
            if self.serialise:
                self._lock.release()

    def complete(self, messages: list[BaseMessage], max_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_tokens))


class LocalGenerator(Generator):
    """The bundled GGUF model, reusing the KV state of its fixed system prompt.

    llama.cpp re-reads only the part of a prompt that differs from the previous one. Cutting
    the reused part back to exactly the system prompt makes every answer start from the same
    state, so the same question always gets the same answer, whatever was asked before.
    """

    _prefix: tuple[str, list[int], Any] | None = None  # (system text, its tokens, saved state)

    def prepare(self, messages: list[BaseMessage]) -> None:
        if not messages or messages[0].type != "system":
            return
        llama = self.model.client  # type: ignore[attr-defined]
        system = str(messages[0].content)
        if self._prefix is None or self._prefix[0] != system:
            text = f"<|im_start|>system\n{system}<|im_end|>\n"
            tokens = llama.tokenize(text.encode(), add_bos=False, special=True)
            llama.reset()
            llama.eval(tokens)
            state = llama.save_state()
            # The state carries a copy of the logits buffer (llm_batch rows of 152k floats).
            # Sampling reads llama.cpp's own logits, so that copy is never used: keep one row,
            # which load_state broadcasts back.
            state.scores = state.scores[-1:].copy()
            self._prefix = (system, tokens, state)
            return
        _, tokens, state = self._prefix
        if list(llama.input_ids[: len(tokens)]) != tokens or llama.n_tokens < len(tokens):
            llama.load_state(state)
        llama.n_tokens = len(tokens)


def load_local(settings: Settings) -> Generator:
    from bot.models import ensure_gguf

    path = settings.llm_path or str(ensure_gguf(settings.models_dir))
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as exc:
        raise LLMUnavailable(f"llama-cpp-python is not installed: {exc}") from exc
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ChatLlamaCpp(
                model_path=path,
                n_ctx=settings.llm_ctx,
                n_threads=settings.llm_threads,
                n_batch=settings.llm_batch,
                temperature=0.0,
                max_tokens=settings.llm_max_tokens,
                verbose=False,
            )
    except Exception as exc:
        raise LLMUnavailable(f"cannot load {path}: {exc}") from exc
    return LocalGenerator(
        model, "Qwen2.5-Coder-1.5B-Instruct (local, Q4_K_M)", settings.llm_timeout_s
    )


def load_provider(spec: str, settings: Settings) -> Generator:
    from langchain.chat_models import init_chat_model

    provider, _, name = spec.partition(":")
    if not name:
        raise LLMUnavailable(
            f"BOT_LLM={spec!r}: expected 'provider:model', 'local' or 'extractive'"
        )
    try:
        model = init_chat_model(
            name, model_provider=provider, temperature=0, timeout=settings.llm_timeout_s
        )
    except Exception as exc:
        raise LLMUnavailable(f"cannot load {spec}: {type(exc).__name__}: {exc}") from exc
    return Generator(model, spec, settings.llm_timeout_s, serialise=False)


def load_generator(settings: Settings) -> Generator | None:
    """None means extractive answers. Raises LLMUnavailable when the model cannot load."""
    spec = settings.llm.strip()
    if spec == EXTRACTIVE:
        return None
    if spec in {"local", ""}:
        return load_local(settings)
    return load_provider(spec, settings)

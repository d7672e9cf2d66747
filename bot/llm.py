"""Chat models: the bundled local GGUF, any LangChain provider, or none (extractive)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Generator as Generator_
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from bot.config import LLMSpec, Settings

log = logging.getLogger(__name__)


class LLMUnavailable(RuntimeError):
    """The chat model could not be loaded or did not answer in time."""


Job = Callable[[Callable[[str], None], threading.Event], Any]


class _Ticket:
    """One call's claim on the model: once given up, it never starts (and a started call stops)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self.cancelled = False
        self.started = False

    def start(self) -> bool:
        with self._mutex:
            self.started = not self.cancelled
            return self.started

    def cancel(self) -> None:
        with self._mutex:
            self.cancelled = True


@dataclass
class Generator:
    """A chat model plus what callers need around it: a name, a lock, a time limit."""

    model: BaseChatModel
    name: str
    timeout_s: float
    serialise: bool = True  # llama.cpp contexts are not thread-safe
    # OpenAI-compatible servers (llama-cpp-python's among them) read only ``max_tokens``, which
    # langchain-openai sends as ``max_completion_tokens``: repeat it in the request body.
    max_tokens_in_body: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def can_choose(self) -> bool:
        """Whether ``choose`` can read the model's probabilities."""
        return False

    def exclusive(self) -> AbstractContextManager[Any]:
        """Hold the model alone, e.g. to wait until it is idle.

        A call that timed out keeps running in its worker thread until its next token; this
        waits for it.
        """
        return self._lock if self.serialise else nullcontext()

    def prepare(self, messages: list[BaseMessage]) -> None:
        """Hook run under the lock before each call (the local model restores its prefix)."""

    def stream(
        self,
        messages: list[BaseMessage],
        max_tokens: int | None = None,
        *,
        fresh: bool = False,
        **options: Any,
    ) -> Iterator[str]:
        """Text deltas; raises LLMUnavailable on failure or once the time limit has passed.

        The model runs in a worker thread, so a provider that hangs without sending anything
        still gives up on time; the worker stops at its next token. ``fresh`` reads the prompt
        from an empty context (no cached prefix); ``options`` (e.g. temperature, seed) go to
        the model's call.
        """

        def job(emit: Callable[[str], None], stop: threading.Event) -> None:
            if fresh:
                self.forget()
            else:
                self.prepare(messages)
            kwargs: dict[str, Any] = {"max_tokens": max_tokens} if max_tokens else {}
            if max_tokens and self.max_tokens_in_body:
                kwargs["extra_body"] = {"max_tokens": max_tokens}
            kwargs.update(options)
            for chunk in self.model.stream(messages, **kwargs):
                if stop.is_set():
                    break
                if isinstance(chunk.content, str) and chunk.content:
                    emit(chunk.content)

        yield from self._run(job)

    def complete(
        self, messages: list[BaseMessage], max_tokens: int | None = None, **options: Any
    ) -> str:
        return "".join(self.stream(messages, max_tokens, **options))

    def forget(self) -> None:
        """Hook run under the lock: drop any cached prompt state (the local model resets)."""

    def restore(self, messages: list[BaseMessage]) -> None:
        """Put the cached state of these messages' system prompt back, in the worker."""
        self.call(lambda emit, stop: self.prepare(messages))

    def count_tokens(self, text: str) -> int | None:
        """Length of ``text`` in the model's tokens, when the model's tokenizer is at hand."""
        return None

    def choose(
        self, messages: list[BaseMessage], prefill: str, options: Sequence[str]
    ) -> dict[str, float]:
        """The model's probability of each option as the start of its reply after ``prefill``
        (normalised over the options). Only models that expose their logits can do this."""
        raise LLMUnavailable(f"{self.name} does not expose token probabilities")

    def call(self, job: Job) -> Any:
        """Run ``job(emit, stop)`` on the model, alone and within the time limit; its result."""
        results = self._run(job)
        while True:
            try:
                next(results)
            except StopIteration as done:
                return done.value

    def _run(self, job: Job) -> Generator_[str, None, Any]:
        deadline = time.monotonic() + self.timeout_s
        out: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        ticket = _Ticket()
        worker = threading.Thread(
            target=self._work, args=(job, deadline, out, stop, ticket), daemon=True
        )
        worker.start()
        try:
            while True:
                try:
                    kind, value = out.get(timeout=max(deadline - time.monotonic(), 0.01))
                except queue.Empty:
                    raise LLMUnavailable(
                        f"{self.name} did not answer within {self.timeout_s:g} s"
                    ) from None
                if kind == "text":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return value
        finally:
            ticket.cancel()
            stop.set()

    def _work(
        self,
        job: Job,
        deadline: float,
        out: queue.Queue[tuple[str, Any]],
        stop: threading.Event,
        ticket: _Ticket,
    ) -> None:
        wait = max(deadline - time.monotonic(), 0.01)
        if self.serialise and not self._lock.acquire(timeout=wait):
            out.put(("error", LLMUnavailable(f"{self.name} is busy (waited {wait:.0f} s)")))
            return
        try:
            if not ticket.start():  # the caller gave up while this call waited for the model
                return
            result = job(lambda text: out.put(("text", text)), stop)
            out.put(("done", result))
        except LLMUnavailable as exc:
            out.put(("error", exc))
        except Exception as exc:  # any provider error becomes a fallback, never a crash
            out.put(("error", LLMUnavailable(f"{self.name} failed: {type(exc).__name__}: {exc}")))
        finally:
            if self.serialise:
                self._lock.release()


def load_provider(spec: LLMSpec, settings: Settings) -> Generator:
    from langchain.chat_models import init_chat_model

    if not spec.provider or not spec.model:
        raise LLMUnavailable(
            f"BOT_LLM={settings.llm!r}: expected 'provider:model', 'local' or 'extractive'"
        )
    try:
        model = init_chat_model(
            spec.model, model_provider=spec.provider, temperature=0, timeout=settings.llm_timeout_s
        )
    except Exception as exc:
        raise LLMUnavailable(f"cannot load {spec}: {type(exc).__name__}: {exc}") from exc
    # OpenAI's own API is left as langchain-openai calls it.
    base_url = str(getattr(getattr(model, "root_client", None), "base_url", ""))
    compatible = spec.provider == "openai" and "api.openai.com" not in base_url
    return Generator(
        model, str(spec), settings.llm_timeout_s, serialise=False, max_tokens_in_body=compatible
    )


def load_generator(settings: Settings) -> Generator | None:
    """None means extractive answers. Raises LLMUnavailable when the model cannot load."""
    spec = settings.llm_spec
    if spec.kind == "extractive":
        return None
    if spec.kind == "local":
        from bot.local import load_local

        return load_local(settings)
    return load_provider(spec, settings)

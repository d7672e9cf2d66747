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

import numpy as np
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


class LocalGenerator(Generator):
    """The bundled GGUF model, reusing the KV state of its fixed system prompt.

    llama.cpp re-reads only the part of a prompt that differs from the previous one. Cutting
    the reused part back to exactly the system prompt makes every answer start from the same
    state, so the same question always gets the same answer, whatever was asked before.
    All llama.cpp state handling lives in this class and runs in the worker, under the lock.
    """

    _prefix: tuple[str, list[int], Any] | None = None  # (system text, its tokens, saved state)

    @property
    def can_choose(self) -> bool:
        return True

    @property
    def _llama(self) -> Any:
        return self.model.client  # type: ignore[attr-defined]

    def _template(self, messages: Sequence[BaseMessage], generation: bool) -> str:
        """The model's own chat template (from the GGUF file), rendered."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self._llama
        formatter = Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=llama.detokenize([llama.token_eos()]).decode(errors="ignore"),
            bos_token=llama.detokenize([llama.token_bos()]).decode(errors="ignore"),
            add_generation_prompt=generation,
        )
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        chat = [{"role": roles[m.type], "content": str(m.content)} for m in messages]
        return formatter(messages=chat).prompt  # type: ignore[arg-type]

    def forget(self) -> None:
        self._llama.reset()

    def count_tokens(self, text: str) -> int | None:
        return len(self._llama.tokenize(text.encode(), add_bos=False))

    def prepare(self, messages: list[BaseMessage]) -> None:
        llama = self._llama
        if not messages or messages[0].type != "system":
            llama.reset()  # read in full: the same prompt always gives the same reply
            return
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

    def choose(
        self, messages: list[BaseMessage], prefill: str, options: Sequence[str]
    ) -> dict[str, float]:
        def job(emit: Callable[[str], None], stop: threading.Event) -> dict[str, float]:
            llama = self._llama
            before = list(llama.input_ids[: llama.n_tokens])
            self.prepare(messages)
            prompt = self._template(messages, generation=True) + prefill
            tokens = llama.tokenize(prompt.encode(), add_bos=False, special=True)
            system = llama.n_tokens
            if list(llama.input_ids[:system]) != tokens[:system]:
                llama.n_tokens = system = 0  # no cached system prompt: read it all
            follows = len(before) > system and tokens[: len(before)] == before
            if system and follows and len(before) < len(tokens):
                # A follow-up turn of the previous prompt (whose KV state is still there:
                # prepare did not reload) only reads what it adds. Anything less than the
                # whole previous prompt is read again, so answers never depend on what was
                # asked before.
                llama.n_tokens = len(before)
            llama.eval(tokens[llama.n_tokens :])
            encoded = {o: llama.tokenize(o.encode(), add_bos=False, special=False) for o in options}
            return option_probabilities(encoded, lambda: _last_logits(llama), llama)

        return dict(self.call(job))


def _last_logits(llama: Any) -> np.ndarray:
    """Logits of the last evaluated position (``Llama.scores`` stays empty without
    ``logits_all``)."""
    import llama_cpp

    ptr = llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1)
    return np.ctypeslib.as_array(ptr, shape=(llama.n_vocab(),)).copy()


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


def option_probabilities(
    encoded: dict[str, list[int]], logits: Callable[[], np.ndarray], llama: Any
) -> dict[str, float]:
    """P(option) for token sequences continuing the evaluated prompt, normalised over options.

    Walks the options' token trie: one forward step per node where options branch; a node
    with a single way on costs nothing (its options share that probability).
    """
    base = llama.n_tokens
    scores: dict[str, float] = {}

    def walk(prefix: list[int], group: dict[str, list[int]], logp: float) -> None:
        depth = len(prefix)
        ended = [o for o, t in group.items() if len(t) == depth]
        going = {o: t for o, t in group.items() if len(t) > depth}
        for o in ended:
            scores[o] = logp
        nexts = {t[depth] for t in going.values()}
        if not going:
            return
        if len(nexts) == 1 and not ended:
            walk(prefix + [next(iter(nexts))], going, logp)
            return
        if depth:
            llama.n_tokens = base + depth - 1
            llama.eval([prefix[-1]])
        lp = _log_softmax(logits())
        for token in nexts:
            sub = {o: t for o, t in going.items() if t[depth] == token}
            walk(prefix + [token], sub, logp + float(lp[token]))

    walk([], encoded, 0.0)
    llama.n_tokens = base
    top = max(scores.values())
    weights = {o: float(np.exp(s - top)) for o, s in scores.items()}
    total = sum(weights.values())
    return {o: w / total for o, w in weights.items()}


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
        return load_local(settings)
    return load_provider(spec, settings)

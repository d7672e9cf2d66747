"""The bundled GGUF model through llama.cpp: cached system prompt, logits, option probabilities.

Every touch of llama.cpp state (its KV cache, logits, resets, tokeniser) is here, inside
``LocalGenerator`` methods that run in the generator's worker under its lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage

from bot.config import Settings
from bot.llm import Generator, LLMUnavailable


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

"""LLM loading, failures and time limits always end in an answer, never a crash."""

import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.llm import Generator, load_generator
from bot.pipeline import Bot


class SlowModel(GenericFakeChatModel):
    delay: float = 5.0

    def _stream(self, *args, **kwargs):
        time.sleep(self.delay)  # a provider that accepted the request and went silent
        yield from super()._stream(*args, **kwargs)


def test_slow_model_falls_back_to_extracts_within_the_timeout(make_bot) -> None:
    bot: Bot = make_bot()
    model = SlowModel(messages=iter([AIMessage("Amazon veut former 29 millions [1].")]))
    bot.generator = Generator(model, "slow", timeout_s=0.5)
    t = time.perf_counter()
    a = bot.answer("Combien de personnes Amazon veut-elle former ?")
    assert time.perf_counter() - t < 3
    assert a.fallback and a.model.startswith("extractive")
    assert any("did not answer within" in n for n in a.notices)


def test_unknown_provider_is_reported_not_raised(settings) -> None:
    s = settings.model_copy(update={"llm": "nosuchprovider:some-model"})
    try:
        load_generator(s)
    except Exception as exc:  # must be the domain error the pipeline turns into a notice
        assert type(exc).__name__ == "LLMUnavailable"
        assert "nosuchprovider" in str(exc)
    else:
        raise AssertionError("an unknown provider cannot load")


def test_missing_model_file_is_reported_not_raised(settings, tmp_path) -> None:
    s = settings.model_copy(update={"llm": "local", "llm_path": str(tmp_path / "none.gguf")})
    try:
        load_generator(s)
    except Exception as exc:
        assert type(exc).__name__ == "LLMUnavailable"
    else:
        raise AssertionError("a missing GGUF cannot load")


def test_build_bot_survives_an_unloadable_llm(settings, monkeypatch) -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    import bot.build
    import bot.embed

    monkeypatch.setattr(
        bot.embed, "default_embeddings", lambda *a: DeterministicFakeEmbedding(size=16)
    )
    s = settings.model_copy(update={"llm": "nosuchprovider:x"})
    b = bot.build.build_bot(s)
    assert b.generator is None and b.notices
    a = b.answer("Quel âge a Jarred Gaines ?")
    assert a.notices and a.model.startswith("extractive")


def test_exclusive_use_makes_other_calls_wait_then_give_up() -> None:
    import pytest

    from bot.llm import LLMUnavailable

    model = GenericFakeChatModel(messages=iter([AIMessage("ok")]))
    gen = Generator(model, "fake", timeout_s=0.3)
    t = time.perf_counter()
    with gen.exclusive(), pytest.raises(LLMUnavailable, match="busy|did not answer"):
        gen.complete([])
    assert time.perf_counter() - t >= 0.3  # it waited for the holder up to its time limit
    assert gen.complete([]) == "ok"  # released: the next call goes through


def test_a_call_that_timed_out_while_waiting_never_runs() -> None:
    import threading

    import pytest

    from bot.llm import LLMUnavailable

    ran = threading.Event()
    model = GenericFakeChatModel(messages=iter([AIMessage("late")]))
    gen = Generator(model, "fake", timeout_s=0.2)
    # The model is busy past the caller's time limit.
    with gen.exclusive(), pytest.raises(LLMUnavailable):
        gen.call(lambda emit, stop: ran.set())
    gen.call(lambda emit, stop: None)  # the lock is free again: later calls run…
    assert not ran.is_set()  # …but the one that gave up never did


class FakeLlama:
    """Token-level fake: logits favour token 2 after the prompt, then token 5 after token 1."""

    def __init__(self) -> None:
        self.n_tokens = 10
        self.evaluated: list[list[int]] = []

    def eval(self, tokens):
        self.evaluated.append(list(tokens))
        self.n_tokens += len(tokens)


def test_option_probabilities_walk_the_token_trie_only_where_options_branch() -> None:
    import numpy as np

    from bot.local import option_probabilities

    llama = FakeLlama()

    def logits():
        row = np.full(8, -50.0)
        if not llama.evaluated:  # after the prompt: "1" likely, "2" less
            row[[1, 2]] = [np.log(3.0), np.log(1.0)]
        else:  # after "1": "]" (token 7) or "0" (token 0), equally
            row[[7, 0]] = [0.0, 0.0]
        return row

    encoded = {"1]": [1, 7], "10]": [1, 0, 7], "2]": [2, 7]}
    probs = option_probabilities(encoded, logits, llama)
    assert abs(sum(probs.values()) - 1) < 1e-9
    assert probs["1]"] == pytest.approx(0.375) and probs["10]"] == pytest.approx(0.375)
    assert probs["2]"] == pytest.approx(0.25)
    assert llama.evaluated == [[1]]  # one step, at the only branching node after the prompt
    assert llama.n_tokens == 10  # the prompt's end is restored for the caller


def test_an_openai_compatible_server_is_sent_max_tokens(settings, monkeypatch) -> None:
    """langchain-openai sends only max_completion_tokens, which such servers ignore."""
    monkeypatch.setenv("OPENAI_API_KEY", "none")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    s = settings.model_copy(update={"llm": "openai:some-model"})
    assert load_generator(s).max_tokens_in_body
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert not load_generator(s).max_tokens_in_body  # OpenAI itself: as langchain-openai sends it

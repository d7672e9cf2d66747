"""LLM loading, failures and time limits always end in an answer, never a crash."""

import time

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
    assert a.model.startswith("extractive")
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

    import bot.embed
    import bot.pipeline

    monkeypatch.setattr(
        bot.embed, "default_embeddings", lambda *a: DeterministicFakeEmbedding(size=16)
    )
    s = settings.model_copy(update={"llm": "nosuchprovider:x"})
    b = bot.pipeline.build_bot(s)
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

"""The provider path (BOT_LLM=openai:<model>) against a real OpenAI-compatible server on
loopback: llama-cpp-python's own server with the bundled GGUF, through langchain-openai."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from bench.coldstart import free_port
from bot.build import build_bot
from bot.config import Settings
from bot.pipeline import Bot
from bot.translate import PROMPTS, SAMPLED
from bot.types import Answer, Draft, Final
from tests.apprunner import shared_data_dir, stop

pytestmark = [pytest.mark.server, pytest.mark.real_models, pytest.mark.timeout(3600)]

MODEL = "qwen2.5-coder-1.5b-instruct"
START_TIMEOUT_S = 180
# Generous: the machine may be busy with another model (a quiet one answers in seconds).
ANSWER_TIMEOUT_S = 600.0
TINY_TIMEOUT_S = 0.5
QUESTION_EN = "How many people does Amazon plan to train in cloud computing by 2025?"
QUESTION_FR = "Quel âge a Jarred Gaines ?"


def _wait_until_serving(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=5) as resp:
                if MODEL in resp.read().decode():
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"server not up within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """llama-cpp-python's server on a free loopback port; its /v1 URL."""
    from bot.models import ensure_gguf

    gguf = ensure_gguf(shared_data_dir() / "models")
    port = free_port()
    log = tmp_path_factory.mktemp("provider") / "server.log"
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    args += ["--model_alias", MODEL, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--n_ctx", "2048", "--n_threads", "2"]
    with log.open("w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_serving(proc, url, log)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def make(server, real_dirs) -> Iterator[Callable[..., Bot]]:
    """Builds the bot as BOT_LLM=openai:<model> with OPENAI_BASE_URL set would."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_BASE_URL", server)
        env.setenv("OPENAI_API_KEY", "none")

        def build(**update) -> Bot:
            settings = Settings(
                **{
                    "corpus_dir": Path(real_dirs["BOT_CORPUS_DIR"]),
                    "data_dir": Path(real_dirs["BOT_DATA_DIR"]),
                    "llm": f"openai:{MODEL}",
                    "llm_timeout_s": ANSWER_TIMEOUT_S,
                    **update,
                }
            )
            bot = build_bot(settings)
            assert bot.generator is not None, bot.notices
            return bot

        yield build


def _verbatim(bot: Bot, a: Answer) -> bool:
    def text(source: str) -> str:
        return (bot.settings.corpus_dir / source).read_text(encoding="utf-8")

    return bool(a.citations) and all(
        text(c.source)[c.start : c.end] == c.quote for c in a.citations
    )


def test_evidence_answer_cites_verbatim_and_the_provider_translates(make) -> None:
    bot = make(answering="evidence")
    assert bot.generator and not bot.generator.can_choose  # selection falls back to retrieval
    a = bot.answer(QUESTION_EN)
    assert not a.abstained and a.language == "en" and not a.notices, a
    assert _verbatim(bot, a) and any("29 millions" in c.quote for c in a.citations)
    assert a.model == f"{bot.generator.name}, evidence ranked by retrieval"
    cache = json.loads((bot.settings.data_dir / "translations.json").read_text("utf-8"))
    made = cache[bot.evidence.translator.scope]
    assert made and all(entry["text"] for entry in made.values())  # written by the provider
    print(f"\n{a.text}")


def test_free_answering_streams_drafts_before_the_answer(make) -> None:
    bot = make(answering="free")
    t0, events = time.monotonic(), []
    for event in bot.stream(QUESTION_FR):
        events.append((time.monotonic() - t0, event))
    *drafts, (done_s, final) = events
    assert isinstance(final, Final) and final.answer.model == bot.generator.name, final
    answer = final.answer
    assert not answer.notices and _verbatim(bot, answer)
    assert all(isinstance(d, Draft) for _, d in drafts)
    texts = [d.text for _, d in drafts]
    assert len(texts) >= 2
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:], strict=False))  # growing
    assert drafts[0][0] < done_s
    print(f"\nfirst draft {drafts[0][0]:.1f} s, answer {done_s:.1f} s: {answer.text}")


def test_the_token_limit_reaches_the_server(make) -> None:
    bot = make(answering="free")
    assert bot.generator is not None
    prompt = [HumanMessage("Count from 1 to 100, separated by commas. Output only the numbers.")]
    reply = bot.generator.complete(prompt, max_tokens=8)
    assert 1 <= len(reply.split(",")) <= 8, reply


def test_a_tiny_time_limit_ends_in_extracts_with_a_notice(make) -> None:
    bot = make(answering="free", llm_timeout_s=TINY_TIMEOUT_S)
    t0 = time.monotonic()
    a = bot.answer(QUESTION_FR)
    elapsed = time.monotonic() - t0
    assert a.fallback and a.model.startswith("extractive") and _verbatim(bot, a), a
    assert any(f"did not answer within {TINY_TIMEOUT_S:g} s" in n for n in a.notices), a.notices
    assert elapsed < TINY_TIMEOUT_S + 10
    print(f"\n{elapsed:.1f} s: {a.notices}")


def test_a_tiny_time_limit_bounds_the_evidence_translations(make, tmp_path) -> None:
    from tests.apprunner import linked_data_dir

    # A data directory of its own: no translation made by the tests above to fall back on.
    bot = make(
        answering="evidence", llm_timeout_s=TINY_TIMEOUT_S, data_dir=linked_data_dir(tmp_path)
    )
    t0 = time.monotonic()
    a = bot.answer(QUESTION_EN)
    elapsed = time.monotonic() - t0
    assert not a.abstained and _verbatim(bot, a), a
    # At most every attempt of the translator, for each chosen sentence, each cut at the limit,
    # and the rest of the answer (slow when another model shares the CPU).
    attempts = len(PROMPTS) + SAMPLED
    assert elapsed < attempts * TINY_TIMEOUT_S * len(a.citations) + 30
    print(f"\n{elapsed:.1f} s, notices {a.notices}: {a.text}")

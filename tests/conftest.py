"""Shared fixtures: a copy of the corpus, settings in a temporary data directory, a fake
embedder, a temporary Chroma store and a Bot with a fake LLM."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "000_88c982e0d93ec0a5.txt"


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(ROOT / "corpus" / ARTICLE, d / ARTICLE)
    shutil.copy(ROOT / "corpus" / "metadata.json", d / "metadata.json")
    shutil.copy(ROOT / "corpus" / "profile.json", d / "profile.json")
    return d


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path):
    from bot.config import Settings

    return Settings(
        data_dir=tmp_path / "data",
        corpus_dir=corpus_dir,
        llm="extractive",
        chroma_url="",
    )


@pytest.fixture(scope="module")
def real_dirs(tmp_path_factory) -> dict[str, str]:
    """BOT_CORPUS_DIR and BOT_DATA_DIR for tests with the real models: a copy of the corpus and
    a fresh data directory whose ``models`` links to the shared model cache."""
    from tests.apprunner import linked_data_dir

    work = tmp_path_factory.mktemp("real")
    shutil.copytree(ROOT / "corpus", work / "corpus")
    return {"BOT_CORPUS_DIR": str(work / "corpus"), "BOT_DATA_DIR": str(linked_data_dir(work))}


@pytest.fixture
def fake_embeddings():
    from langchain_core.embeddings import DeterministicFakeEmbedding

    return DeterministicFakeEmbedding(size=32)


@pytest.fixture
def index(settings, fake_embeddings):
    from bot.corpus import load_corpus
    from bot.index import Index, make_client

    idx = Index(make_client("", str(settings.chroma_dir)), fake_embeddings, "test")
    idx.ingest(load_corpus(settings.corpus_dir))
    return idx


@pytest.fixture
def make_bot(settings, index) -> Callable:
    """A Bot whose LLM answers ``reply(messages)``, or always the text ``reply`` (no LLM
    without one); see tests/fakes.py."""
    from bot.llm import Generator
    from bot.pipeline import Bot
    from bot.retrieve import Retriever
    from tests.fakes import Reply, replying

    def factory(reply: str | Reply | None = None, top_k: int = 5):
        generator = None if reply is None else Generator(replying(reply), "fake", timeout_s=30)
        return Bot(settings, index, Retriever(index, top_k), generator)

    return factory


# ------------------------------------------------------------------- headless Chromium

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_or_skip() -> Path:
    if not CHROMIUM.exists() and shutil.which("make"):
        subprocess.run(["make", "browser"], cwd=ROOT, timeout=900, check=False)
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing and `make browser` could not install it")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()

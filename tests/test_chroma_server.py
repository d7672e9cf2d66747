"""Answers through a real Chroma server (``chroma run`` on loopback) via BOT_CHROMA_URL."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.coldstart import free_port
from bot.corpus import load_corpus

pytestmark = [pytest.mark.server, pytest.mark.real_models]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI comes with chromadb"
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_answer_through_a_chroma_server(chroma_url, settings) -> None:
    from bot.build import build_bot, default_index

    s = settings.model_copy(update={"chroma_url": chroma_url, "llm": "extractive"})
    bot = build_bot(s)
    assert type(bot.index.client).__name__ != "PersistentClient"
    assert not (s.chroma_dir).exists()  # nothing written to the embedded store
    a = bot.answer("Combien de personnes Amazon veut-elle former d’ici 2025 ?")
    assert not a.abstained
    assert any("29 millions" in c.quote for c in a.citations)
    text = (s.corpus_dir / a.citations[0].source).read_text(encoding="utf-8")
    assert all(text[c.start : c.end] == c.quote for c in a.citations)
    again = default_index(s).ingest(load_corpus(s.corpus_dir))
    assert again.added == 0 and again.skipped == again.chunks

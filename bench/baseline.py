"""Cold start of the textbook baseline (``bot.textbook``): build everything, answer once.

Run as a module, it answers one question from a fresh process and prints timings as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from typing import Any


def cold_answer(question: str) -> dict[str, Any]:
    """Build everything from nothing and answer once (run in a fresh process)."""
    import resource

    from bot.config import get_settings
    from bot.corpus import load_corpus
    from bot.embed import default_embeddings
    from bot.llm import load_generator
    from evals.textbook import Textbook

    settings = get_settings()
    embeddings = default_embeddings("minilm", settings.models_dir)
    generator = load_generator(settings)
    if generator is None:
        raise SystemExit("the textbook baseline needs an LLM (BOT_LLM is 'extractive')")
    with tempfile.TemporaryDirectory(prefix="bench-textbook-") as tmp:
        rag = Textbook(load_corpus(settings.corpus_dir), embeddings, generator, tmp)
        text = "".join(rag.stream(question))
    spawn = float(os.environ.get("BENCH_SPAWN_T", "nan"))
    return {
        "answer_s": time.time() - spawn,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "text": text[:300],
    }


if __name__ == "__main__":
    print(json.dumps(cold_answer(sys.argv[1])))

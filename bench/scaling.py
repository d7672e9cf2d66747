"""Store and hybrid-retrieval latency at growing corpus sizes, with precomputed vectors."""

from __future__ import annotations

import tempfile
from typing import Any

from bench import synthetic
from bench.stats import repeat, summary, timed
from bot.index import Index, make_client
from bot.retrieve import Retriever


def build_store(path: str, n: int, seed: int = 0) -> tuple[Index, float]:
    """A fresh persistent collection of ``n`` synthetic chunks; returns it and the ingest time."""
    chunks = synthetic.chunks(n, seed)
    vectors = synthetic.unit_vectors(n, seed=seed)
    index = Index(make_client("", path), synthetic.FakeQueryEmbeddings(), f"scale-{n}")
    seconds, _ = timed(lambda: index.add_chunks(chunks, vectors))
    return index, seconds


def latencies(index: Index, queries: list[str], reps: int, k: int = 4) -> dict[str, Any]:
    """Dense (store only), hybrid (store + BM25) and BM25-alone latency over ``queries``."""
    embed = index.embeddings.embed_query
    index.search(embed(queries[0]), k)  # warm the store
    dense = repeat(lambda q: index.search(embed(q), k), queries, reps)
    retriever = Retriever(index, k)
    first_s, _ = timed(lambda: retriever.retrieve(queries[0]))  # builds the BM25 index
    hybrid = repeat(retriever.retrieve, queries, reps)
    lexical = repeat(lambda q: retriever.lexical_search(q, retriever.candidates), queries, reps)
    return {
        "first_hybrid_s": round(first_s, 3),
        "dense_ms": summary(dense, 1000),
        "hybrid_ms": summary(hybrid, 1000),
        "bm25_ms": summary(lexical, 1000),
    }


def measure_size(n: int, queries: list[str], reps: int, k: int = 4) -> dict[str, Any]:
    """Ingest time and retrieval latency for a fresh store of ``n`` chunks."""
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{n}-") as tmp:
        index, ingest_s = build_store(tmp, n)
        return {
            "chunks": index.count(),
            "ingest_s": round(ingest_s, 3),
            "ingest_chunks_per_s": round(n / ingest_s, 1),
            **latencies(index, queries, reps, k),
        }


def run(sizes: list[int], queries: list[str], reps: int, progress: Any = print) -> dict[str, Any]:
    out = {}
    for n in sizes:
        progress(f"scaling: {n} chunks")
        out[str(n)] = measure_size(n, queries, reps)
    return out

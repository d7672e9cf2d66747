"""Store and hybrid-retrieval latency at growing corpus sizes, with precomputed vectors."""

from __future__ import annotations

import tempfile
from typing import Any

from bench import synthetic
from bench.stats import repeat, summary, timed
from bot.index import Index, make_client
from bot.retrieve import Retriever


class PagedGet:
    """A Chroma collection whose get-everything call is made in pages.

    ``Index.all_chunks()`` asks for all chunks in one ``get()``, which Chroma's SQLite layer
    refuses above ~32k chunks ("too many SQL variables"); this lets the retriever be timed
    at larger sizes anyway (the failure itself is recorded).
    """

    def __init__(self, collection: Any, page: int = 10_000) -> None:
        self._collection = collection
        self._page = page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    def get(self, **kwargs: Any) -> dict[str, Any]:
        if "ids" in kwargs or "limit" in kwargs:
            return self._collection.get(**kwargs)
        out: dict[str, list[Any]] = {"ids": [], "documents": [], "metadatas": []}
        offset = 0
        while (page := self._collection.get(limit=self._page, offset=offset, **kwargs))["ids"]:
            for key in out:
                out[key].extend(page.get(key) or [])
            offset += self._page
        return out


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
    error = None
    try:
        first_s, _ = timed(lambda: retriever.retrieve(queries[0]))  # builds the BM25 index
    except Exception as exc:  # the project's all_chunks() failing at this size
        error = f"{type(exc).__name__}: {exc}"
        index.collection = PagedGet(index.collection)
        first_s, _ = timed(lambda: retriever.retrieve(queries[0]))
    hybrid = repeat(retriever.retrieve, queries, reps)
    lexical = repeat(lambda q: retriever.lexical_search(q, retriever.candidates), queries, reps)
    return {
        "first_hybrid_s": round(first_s, 3),
        "dense_ms": summary(dense, 1000),
        "hybrid_ms": summary(hybrid, 1000),
        "bm25_ms": summary(lexical, 1000),
        "all_chunks_error": error,  # when set, hybrid figures used PagedGet
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

"""Embed chunks and keep them in a Chroma collection; ingest is idempotent."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.corpus import Document
from bot.split import Chunk, split_document

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    documents: int
    chunks: int
    added: int
    skipped: int
    removed: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def make_client(chroma_url: str, chroma_dir: str) -> Any:
    """An embedded PersistentClient, or an HttpClient when a server URL is given."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        from urllib.parse import urlparse

        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=settings,
        )
    return chromadb.PersistentClient(path=chroma_dir, settings=settings)


def _chunk_from(id_: str, context: str, meta: dict[str, Any]) -> Chunk:
    start, ctx = int(meta["start"]), int(meta["context_start"])
    return Chunk(
        id=id_,
        source=str(meta["source"]),
        text=context[start - ctx :],
        start=start,
        end=int(meta["end"]),
        paragraph=int(meta["paragraph"]),
        position=int(meta["position"]),
        context_start=ctx,
        context=context,
    )


class Index:
    """A Chroma collection of sentence chunks, one per embedder."""

    def __init__(self, client: Any, embeddings: Embeddings, name: str) -> None:
        self.client = client
        self.embeddings = embeddings
        self.name = name
        self.collection = client.get_or_create_collection(
            name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        self.version = 0  # bumped on every change so caches (BM25) can refresh

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def all_chunks(self) -> list[Chunk]:
        got = self.collection.get(include=["documents", "metadatas"])
        chunks = [
            _chunk_from(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: (c.source, c.position))

    def add_chunks(self, chunks: list[Chunk], vectors: list[list[float]] | None = None) -> None:
        if not chunks:
            return
        if vectors is None:
            vectors = self.embeddings.embed_documents([c.context for c in chunks])
        batch = int(self.client.get_max_batch_size())
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + batch],
                documents=[c.context for c in part],
                metadatas=[c.metadata() for c in part],
            )
        self.version += 1

    def remove(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=ids)
            self.version += 1

    def ingest(self, documents: list[Document]) -> IngestReport:
        """Add new chunks, drop chunks of changed or deleted files; unchanged content is skipped.

        Everything is split and embedded before the collection is touched, so a failure
        leaves the previous index as it was.
        """
        wanted = [c for doc in documents for c in split_document(doc)]
        existing = self.ids()
        new = [c for c in wanted if c.id not in existing]
        vectors = self.embeddings.embed_documents([c.context for c in new]) if new else []
        self.add_chunks(new, vectors)
        stale = sorted(existing - {c.id for c in wanted})
        self.remove(stale)
        report = IngestReport(
            len(documents), len(wanted), len(new), len(wanted) - len(new), len(stale)
        )
        log.info("ingest: %s", report.to_dict())
        return report

    def search(self, vector: list[float], k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity (1 - distance)."""
        n = min(k, self.count())
        if n == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"]
        )
        return [
            (_chunk_from(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=True,
            )
        ]

"""Embed chunks and keep them in a Chroma collection; ingest is idempotent."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.corpus import Document
from bot.split import Chunk, split_document
from bot.types import CorpusError

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


def chunk_set_hash(chunks: list[Chunk]) -> str:
    return hashlib.sha256("\n".join(sorted(c.id for c in chunks)).encode()).hexdigest()[:16]


def reset_client_cache() -> None:
    """Chroma keeps one client per path; drop them so a replaced directory is reopened."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


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
    """Sentence chunks in a Chroma collection, one per embedder.

    Each corpus version lives in its own collection (``<name>__<hash of chunk ids>``); a small
    pointer collection names the active one. Ingest builds the new version aside and then
    swaps the pointer, so a failure half-way leaves the previous version active and whole,
    and other app instances on the same Chroma server follow the swap.
    """

    def __init__(self, client: Any, embeddings: Embeddings, name: str) -> None:
        self.client = client
        self.embeddings = embeddings
        self.name = name
        self.version = 0  # bumped on every change so caches (BM25) can refresh
        self.collection = self._open(self._active_name() or f"{name}__empty")

    def _open(self, name: str) -> Any:
        return self.client.get_or_create_collection(
            name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def _pointer(self) -> Any:
        return self.client.get_or_create_collection(
            name=f"{self.name}__active", metadata={"active": ""}, embedding_function=None
        )

    def _active_name(self) -> str:
        return str((self._pointer().metadata or {}).get("active", ""))

    def refresh(self) -> None:
        """Follow a swap made by another process (e.g. `python -m bot ingest`)."""
        active = self._active_name()
        if active and active != self.collection.name:
            self.collection = self._open(active)
            self.version += 1

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def all_chunks(self) -> list[Chunk]:
        # Paged: one large get exceeds SQLite's variable limit past ~32k chunks.
        chunks: list[Chunk] = []
        page = 5000
        for offset in range(0, self.count(), page):
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            chunks.extend(
                _chunk_from(i, d, m)
                for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            )
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

    def _query(self, vector: list[float], k: int) -> Any:
        n = min(k, self.count())
        if n == 0:
            return {"ids": []}
        return self.collection.query(
            query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"]
        )

    def ingest(self, documents: list[Document]) -> IngestReport:
        """Make the index hold exactly the chunks of ``documents``; unchanged content is kept.

        New chunks are embedded (the error names the file if that fails), unchanged ones are
        copied with their vectors into a new collection, and only then does it become active.
        """
        self.refresh()
        wanted = [c for doc in documents for c in split_document(doc)]
        target = f"{self.name}__{chunk_set_hash(wanted)}"
        existing = self.ids()
        keep = [c for c in wanted if c.id in existing]
        new = [c for c in wanted if c.id not in existing]
        removed = len(existing - {c.id for c in wanted})
        report = IngestReport(len(documents), len(wanted), len(new), len(keep), removed)
        if target != self.collection.name:
            vectors = self._embed_by_document(new)
            self._build(target, keep, new, vectors)
        log.info("ingest: %s", report.to_dict())
        return report

    def _embed_by_document(self, chunks: list[Chunk]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for source in dict.fromkeys(c.source for c in chunks):
            texts = [c.context for c in chunks if c.source == source]
            try:
                vectors.extend(self.embeddings.embed_documents(texts))
            except Exception as exc:
                raise CorpusError(f"{source}: could not be embedded ({exc})") from exc
        return vectors

    def _build(self, target: str, keep: list[Chunk], new: list[Chunk], vectors: list[Any]) -> None:
        with contextlib.suppress(Exception):
            self.client.delete_collection(target)  # leftovers of an interrupted build
        old = self.collection
        self.collection = self._open(target)
        try:
            if keep:
                got = old.get(ids=[c.id for c in keep], include=["embeddings"])
                by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
                self.add_chunks(keep, [list(by_id[c.id]) for c in keep])
            self.add_chunks(new, vectors)
        except Exception:
            self.collection = old
            with contextlib.suppress(Exception):
                self.client.delete_collection(target)
            raise
        self._pointer().modify(metadata={"active": target})
        self.version += 1
        if old.name != target:
            with contextlib.suppress(Exception):
                self.client.delete_collection(old.name)

    def search(self, vector: list[float], k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity (1 - distance)."""
        try:
            res = self._query(vector, k)
        except Exception:  # the collection was swapped away by another process
            self.refresh()
            res = self._query(vector, k)
        if not res["ids"]:
            return []
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

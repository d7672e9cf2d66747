"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from bot.index import Index
from bot.split import Chunk
from bot.text import tokens

RRF_K = 60


@dataclass(frozen=True)
class Passage:
    """A retrieved sentence chunk, ready to cite verbatim."""

    chunk: Chunk
    score: float = 0.0  # fused RRF score
    dense: float = 0.0  # cosine similarity (0 when not in the dense top list)
    lexical: float = 0.0  # BM25 score

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def context(self) -> str:
        """The sentence with the preceding sentences of its paragraph (who "il" is)."""
        return self.chunk.context


class Retriever:
    def __init__(self, index: Index, k: int = 5, candidates: int = 30) -> None:
        self.index = index
        self.k = k
        self.candidates = candidates
        self._bm25: Any = None
        self._chunks: list[Chunk] = []
        self._version = -1
        self._lock = threading.Lock()
        self._glosses: dict[str, str] = {}  # chunk id → the sentence in another language
        self._gloss_vectors: dict[str, list[float]] = {}

    def set_glosses(self, glosses: dict[str, str]) -> None:
        """Translations of chunks, searched too: an English question then meets English text
        (the bundled embedder is English-only; BM25 shares no words across languages)."""
        vectors = self.index.embeddings.embed_documents(list(glosses.values())) if glosses else []
        with self._lock:
            self._glosses = dict(glosses)
            self._gloss_vectors = dict(zip(glosses, vectors, strict=True))
            self._bm25 = None

    def _lexical(self) -> tuple[Any, list[Chunk]]:
        with self._lock:
            if self._version != self.index.version or self._bm25 is None:
                import bm25s

                logging.getLogger("bm25s").setLevel(logging.WARNING)

                chunks = self.index.all_chunks()
                bm25 = bm25s.BM25()
                if chunks:
                    texts = [f"{c.context} {self._glosses.get(c.id, '')}" for c in chunks]
                    bm25.index([tokens(t) or ["_"] for t in texts], show_progress=False)
                self._bm25, self._chunks, self._version = bm25, chunks, self.index.version
            return self._bm25, self._chunks

    def lexical_search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        bm25, chunks = self._lexical()
        q = [t for t in tokens(query) if t in bm25.vocab_dict] if chunks else []
        if not q:
            return []
        docs, scores = bm25.retrieve([q], k=min(n, len(chunks)), show_progress=False, n_threads=1)
        return [
            (chunks[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    def dense_search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        vector = self.index.embeddings.embed_query(query)
        found = self.index.search(vector, n)
        if not self._gloss_vectors:
            return found
        best = {c.id: (c, s) for c, s in found}
        by_id = {c.id: c for c in self._lexical()[1]}
        for cid, gv in self._gloss_vectors.items():
            sim = sum(a * b for a, b in zip(vector, gv, strict=True))
            if cid in by_id and sim > best.get(cid, (None, -1.0))[1]:
                best[cid] = (by_id[cid], sim)
        return sorted(best.values(), key=lambda cs: -cs[1])[:n]

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        k = k or self.k
        dense = self.dense_search(query, self.candidates)
        lexical = self.lexical_search(query, self.candidates)
        fused: dict[str, float] = {}
        by_id: dict[str, Chunk] = {}
        for ranking in (dense, lexical):
            for rank, (chunk, _) in enumerate(ranking):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
                by_id[chunk.id] = chunk
        dense_s = {c.id: s for c, s in dense}
        lex_s = {c.id: s for c, s in lexical}
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [Passage(by_id[i], fused[i], dense_s.get(i, 0.0), lex_s.get(i, 0.0)) for i in best]

    def all_passages(self) -> list[Passage]:
        """Every chunk, in document order."""
        return [Passage(c) for c in self._lexical()[1]]

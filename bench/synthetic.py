"""Offline, seeded test data: French-ish sentence chunks, unit vectors, a fake query embedder."""

from __future__ import annotations

import hashlib
import random

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.split import Chunk, chunk_id

DIM = 384  # all-MiniLM-L6-v2
# Common words (some from the article's domain) so real questions meet real BM25 postings.
COMMON = """
le la les un une des du de et en à au aux pour par sur dans avec sans plus mais ou qui que
entreprise formation personnes cloud amazon millions travail emploi salariés programme
informatique données serveurs clients service croissance chiffre affaires trimestre pandémie
télétravail école distance cours semaines analyste support coach sportif reconversion
compétences objectif annonce plan former apprendre métier poste carrière technologie
marché société monde année mois jour nouveau grand petit premier dernier public privé
""".split()
SYLLABLES = "ba be bi bo bu ca ce ci co da de di do fa fi fo la le li lo ma me mi mo na ne ni no"
SYLLABLES += " pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo tion ment eur ique"


def vocabulary(size: int = 4000, seed: int = 0) -> list[str]:
    """Common French words first, then seeded pseudo-words (sampled with Zipf weights)."""
    rng = random.Random(seed)
    syl = SYLLABLES.split()
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` sentences of 12-40 words; word frequencies follow a Zipf law like real text."""
    rng = random.Random(seed)
    vocab = vocabulary(seed=seed)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    out = []
    for _ in range(n):
        words = rng.choices(vocab, weights=weights, k=rng.randint(12, 40))
        out.append(" ".join(words).capitalize() + ".")
    return out


def chunks(n: int, seed: int = 0) -> list[Chunk]:
    """``n`` sentence chunks laid end to end in one synthetic document."""
    out, pos = [], 0
    source = f"synthetic-{n}-{seed}.txt"
    for i, text in enumerate(sentences(n, seed)):
        out.append(
            Chunk(
                id=chunk_id(source, pos, text),
                source=source,
                text=text,
                start=pos,
                end=pos + len(text),
                paragraph=i // 5 + 1,
                position=i,
                context_start=pos,
                context=text,
            )
        )
        pos += len(text) + 1
    return out


def unit_vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    vecs = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


class FakeQueryEmbeddings(Embeddings):
    """A fixed random unit vector per text: costs microseconds, so only store + BM25 is timed."""

    def __init__(self, dim: int = DIM) -> None:
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        return unit_vectors(1, self.dim, seed)[0].tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

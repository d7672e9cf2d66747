"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface."""

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

    @property
    def key(self) -> str:
        """Short name used to keep indexes of different embedders apart."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:40]

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

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vecs = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def default_embeddings(name: str, models_dir: Path) -> SentenceEmbeddings:
    """'minilm' is the verified bundled model; anything else goes to sentence-transformers."""
    if name == "minilm":
        from bot.models import minilm_path

        return SentenceEmbeddings(str(minilm_path(models_dir)), name="all-MiniLM-L6-v2")
    return SentenceEmbeddings(name)


def embeddings_key(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "key", type(embeddings).__name__.lower()))

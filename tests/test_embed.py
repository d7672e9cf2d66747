"""The sentence-transformers adapter: queries and passages get the prompts their model was
trained with (its ``encode_query`` / ``encode_document``), not one plain ``encode`` for both."""

from __future__ import annotations

import numpy as np

from bot.embed import SentenceEmbeddings


class PromptedModel:
    """Stands in for a SentenceTransformer whose config gives a query and a document prompt."""

    prompts = {"query": "task: search result | query: ", "document": "title: none | text: "}

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _encode(self, prompt: str, texts: list[str], **kwargs: object) -> np.ndarray:
        assert kwargs.get("normalize_embeddings") is True
        self.seen.extend(prompt + t for t in texts)
        return np.array([[float(len(prompt + t)), 1.0] for t in texts])

    def encode_query(self, texts: list[str], **kwargs: object) -> np.ndarray:
        return self._encode(self.prompts["query"], texts, **kwargs)

    def encode_document(self, texts: list[str], **kwargs: object) -> np.ndarray:
        return self._encode(self.prompts["document"], texts, **kwargs)

    def encode(self, texts: list[str], **kwargs: object) -> np.ndarray:  # pragma: no cover
        raise AssertionError("plain encode() drops the model's prompts")


def test_queries_and_passages_get_their_own_prompts() -> None:
    emb = SentenceEmbeddings("some/model")
    model = PromptedModel()
    emb._model = model  # loaded already: no file or hub is touched
    query = emb.embed_query("Combien de personnes ?")
    docs = emb.embed_documents(["Amazon forme.", "AWS croît."])
    assert model.seen == [
        "task: search result | query: Combien de personnes ?",
        "title: none | text: Amazon forme.",
        "title: none | text: AWS croît.",
    ]
    assert query == [float(len(model.seen[0])), 1.0]
    assert [d[0] for d in docs] == [float(len(s)) for s in model.seen[1:]]
    assert emb.embed_documents([]) == []


def test_the_prompted_encoding_has_its_own_index() -> None:
    # An index built by plain encode() (no prompts) must not be reused with prompted queries.
    key = SentenceEmbeddings("/models/EmbeddingGemma 300M").key
    assert key == "embeddinggemma-300m-prompted"
    assert SentenceEmbeddings("x", name="a" * 60).key == "a" * 31 + "-prompted"

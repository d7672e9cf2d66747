"""The textbook LangChain RAG pipeline the project is compared with.

RecursiveCharacterTextSplitter(1000, 200) → langchain_chroma.Chroma → similarity top-4 →
"answer from the context" prompt → the same chat model. Run as a module, it answers one
question from a cold process and prints timings as JSON (its cold-start figure).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Answer the question from the context below. If the context does not contain "
            "the answer, say that you don't know.\n\nContext:\n{context}",
        ),
        ("human", "{question}"),
    ]
)


class Textbook:
    """Split, embed into Chroma, retrieve top-k, stuff them into one prompt."""

    def __init__(
        self,
        texts: list[str],
        embeddings: Embeddings,
        model: BaseChatModel,
        persist_dir: str,
        k: int = 4,
        max_tokens: int = 200,
        lock: Any = None,
    ) -> None:
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.chunks = splitter.create_documents(texts)
        self.store = Chroma(
            collection_name="textbook",
            embedding_function=embeddings,
            persist_directory=persist_dir,
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        self.store.add_documents(self.chunks)
        self.retriever = self.store.as_retriever(search_kwargs={"k": k})
        self.model = model
        self.max_tokens = max_tokens
        self.lock = lock  # the LLM's lock when the model is shared with the project

    def retrieve(self, question: str) -> list[Document]:
        return self.retriever.invoke(question)

    def messages(self, question: str, docs: list[Document]) -> list[Any]:
        context = "\n\n".join(d.page_content for d in docs)
        return PROMPT.format_messages(context=context, question=question)

    def stream(self, question: str) -> Iterator[str]:
        """Text deltas of the answer, from an empty model context every time."""
        messages = self.messages(question, self.retrieve(question))
        with self.lock or contextlib.nullcontext():
            forget_prompt_cache(self.model)
            for chunk in self.model.stream(messages, max_tokens=self.max_tokens):
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content


def forget_prompt_cache(model: BaseChatModel) -> None:
    """llama-cpp-python silently reuses the longest prefix shared with the previous prompt.

    A textbook pipeline has no prompt cache of its own; without this reset it would inherit
    whatever the previous call (its own or the project's) left, depending on call order.
    """
    llama = getattr(model, "client", None)
    if llama is not None and hasattr(llama, "reset"):
        llama.reset()


def corpus_texts(settings: Any) -> list[str]:
    """The article files' full text, as a textbook loader would read them."""
    from bot.corpus import corpus_files

    return [p.read_text(encoding="utf-8") for p in corpus_files(settings.corpus_dir)]


def cold_answer(question: str) -> dict[str, Any]:
    """Build everything from nothing and answer once (run in a fresh process)."""
    import resource

    from bot.config import get_settings
    from bot.embed import default_embeddings
    from bot.llm import load_generator

    settings = get_settings()
    embeddings = default_embeddings("minilm", settings.models_dir)
    generator = load_generator(settings)
    if generator is None:
        raise SystemExit("the textbook baseline needs an LLM (BOT_LLM is 'extractive')")
    with tempfile.TemporaryDirectory(prefix="bench-textbook-") as tmp:
        rag = Textbook(corpus_texts(settings), embeddings, generator.model, tmp)
        text = "".join(rag.stream(question))
    spawn = float(os.environ.get("BENCH_SPAWN_T", "nan"))
    return {
        "answer_s": time.time() - spawn,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "text": text[:300],
    }


if __name__ == "__main__":
    print(json.dumps(cold_answer(sys.argv[1])))

"""The textbook LangChain RAG pipeline that the eval and the bench compare the project with.

RecursiveCharacterTextSplitter(1000, 200) → langchain_chroma.Chroma → similarity top-4 →
"answer from the context" prompt → the same chat model. No verification and no abstention
logic; its one source is the top chunk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.documents import Document as Chunk
from langchain_core.embeddings import Embeddings
from langchain_core.prompts import ChatPromptTemplate

from bot.corpus import Document
from bot.language import detect_language
from bot.llm import Generator
from bot.types import Answer, Citation

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
        documents: Sequence[Document],
        embeddings: Embeddings,
        generator: Generator | None,
        persist_dir: str | None = None,
        k: int = 4,
        max_tokens: int = 200,
    ) -> None:
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=1000, chunk_overlap=200, add_start_index=True
        )
        self.chunks = splitter.create_documents(
            [d.text for d in documents], metadatas=[{"source": d.source} for d in documents]
        )
        self._texts = {d.source: d.text for d in documents}
        if persist_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="textbook-")
            persist_dir = self._tmp.name
        self.store = Chroma(
            collection_name="textbook",
            embedding_function=embeddings,
            persist_directory=persist_dir,
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        self.store.add_documents(self.chunks)
        self.k = k
        self.generator = generator
        self.max_tokens = max_tokens

    def retrieve(self, question: str) -> list[Chunk]:
        return list(self.store.similarity_search(question, k=self.k))

    def messages(self, question: str, docs: list[Chunk]) -> list[Any]:
        context = "\n\n".join(d.page_content for d in docs)
        return PROMPT.format_messages(context=context, question=question)

    def stream(self, question: str, docs: list[Chunk] | None = None) -> Iterator[str]:
        """Text deltas of the answer, from an empty model context every time: a textbook
        pipeline has no prompt cache of its own, and must not inherit what the previous call
        (its own or the project's) left in llama.cpp's."""
        if self.generator is None:
            raise ValueError("the textbook pipeline needs a chat model to stream an answer")
        messages = self.messages(question, self.retrieve(question) if docs is None else docs)
        yield from self.generator.stream(messages, self.max_tokens, fresh=True)

    def answer(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        """The eval's view: the model's text (or the top chunk without one) and that chunk."""
        docs = self.retrieve(question)
        if self.generator is not None:
            text = "".join(self.stream(question, docs))
        else:
            text = docs[0].page_content if docs else ""
        return Answer(
            text.strip(), self._citations(docs[:1]), False, detect_language(question), question
        )

    def _citations(self, docs: list[Chunk]) -> list[Citation]:
        out = []
        for i, d in enumerate(docs, start=1):
            start = int(d.metadata["start_index"])
            source = str(d.metadata["source"])
            paragraph = self._texts[source][:start].count("\n\n") + 1
            out.append(
                Citation(i, source, d.page_content, start, start + len(d.page_content), paragraph)
            )
        return out

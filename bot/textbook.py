"""A textbook LangChain RAG pipeline, kept only as a baseline for eval and bench.

1000/200 character chunks, Chroma similarity top-4, a plain "answer from the context"
prompt, the top chunk shown as the source. No verification and no abstention logic.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.messages import HumanMessage

from bot.corpus import Document
from bot.language import detect_language
from bot.llm import Generator
from bot.types import Answer, Citation

PROMPT = (
    "Answer the question using the context below.\n\nContext:\n{context}\n\n"
    "Question: {question}\nAnswer:"
)


@dataclass
class Textbook:
    documents: list[Document]
    embeddings: Embeddings
    generator: Generator | None
    k: int = 4
    store: Any = field(init=False)

    def __post_init__(self) -> None:
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=1000, chunk_overlap=200, add_start_index=True
        )
        docs = splitter.create_documents(
            [d.text for d in self.documents],
            metadatas=[{"source": d.source} for d in self.documents],
        )
        self._texts = {d.source: d.text for d in self.documents}
        self._dir = tempfile.TemporaryDirectory(prefix="textbook-")
        self.store = Chroma.from_documents(
            docs, self.embeddings, persist_directory=self._dir.name, collection_name="textbook"
        )

    def retrieve(self, question: str) -> list[Any]:
        return list(self.store.similarity_search(question, k=self.k))

    def answer(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        docs = self.retrieve(question)
        context = "\n\n".join(d.page_content for d in docs)
        if self.generator is not None:
            prompt = PROMPT.format(context=context, question=question)
            text = self.generator.complete([HumanMessage(prompt)])
        else:
            text = docs[0].page_content if docs else ""
        return Answer(
            text.strip(), self._citations(docs[:1]), False, detect_language(question), question
        )

    def _citations(self, docs: list[Any]) -> list[Citation]:
        out = []
        for i, d in enumerate(docs, start=1):
            start = int(d.metadata["start_index"])
            source = str(d.metadata["source"])
            paragraph = self._texts[source][:start].count("\n\n") + 1
            out.append(
                Citation(i, source, d.page_content, start, start + len(d.page_content), paragraph)
            )
        return out

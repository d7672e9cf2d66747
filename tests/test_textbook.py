"""The textbook baseline, as the eval and the bench use it, on scripted models."""

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.corpus import load_corpus
from bot.llm import Generator
from evals.textbook import Textbook


def test_textbook_answer_cites_its_top_chunk_verbatim(settings, fake_embeddings) -> None:
    docs = load_corpus(settings.corpus_dir)
    model = GenericFakeChatModel(messages=iter([AIMessage("Amazon wants to train 29 million.")]))
    rag = Textbook(docs, fake_embeddings, Generator(model, "fake", timeout_s=30))
    a = rag.answer("How many people will Amazon train?")
    assert a.text == "Amazon wants to train 29 million." and a.language == "en"
    assert not a.abstained and len(a.citations) == 1
    c = a.citations[0]
    assert docs[0].text[c.start : c.end] == c.quote and len(c.quote) <= 1000
    assert "don't know" in rag.messages("q", rag.retrieve("q"))[0].content  # the system prompt


def test_textbook_without_a_model_returns_its_top_chunk(settings, fake_embeddings) -> None:
    rag = Textbook(load_corpus(settings.corpus_dir), fake_embeddings, None)
    a = rag.answer("Qui est Jarred Gaines ?")
    assert a.text and a.text == a.citations[0].quote.strip()

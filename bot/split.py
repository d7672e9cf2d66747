"""Sentence-aware splitting with exact file offsets and paragraph numbers."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.corpus import Document
from bot.text import is_instruction, words

log = logging.getLogger(__name__)

MIN_CHARS = 40  # shorter sentences are joined to the next one in the same paragraph
MAX_CHARS = 700  # longer ones are cut at clause boundaries
# A sentence over QUOTE_CHARS stays one chunk (cutting it into chunks changed what is retrieved
# and chosen: development accuracy 0.74 → 0.69), but it is quoted by the part that proves the
# answer: its pieces end where a sentence it quotes ends ("…à niveau. Nous le voyons…", not
# after "M." or "U.S.") and where a colon opens the quotation.
QUOTE_CHARS = 300
INNER = re.compile(
    r"(?:(?<=[a-zà-ÿ]{2}[.!?…])|(?<=[»”\"][.!?…]))\s+(?=[«“\"]?\s?[A-ZÀ-ÖØ-Ý])"
    r"|(?<=\s:)\s+(?=[«“\"])"
)
# A sentence is retrieved and cited together with up to two preceding sentences of its
# paragraph, so "il est désormais analyste" keeps the "Jarred Gaines" it refers to.
CONTEXT_SENTENCES = 2
CONTEXT_CHARS = 450


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    text: str
    start: int
    end: int
    paragraph: int  # 1-based, within its document
    position: int  # order of the chunk in its document
    context_start: int  # start of the window (preceding sentences + this one)
    context: str  # source text[context_start:end]: what is embedded, searched and cited

    def metadata(self) -> dict[str, str | int]:
        return {
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "context_start": self.context_start,
            "paragraph": self.paragraph,
            "position": self.position,
        }


SCHEMA = "2"  # bump when chunk metadata changes, so old entries are replaced


def chunk_id(source: str, start: int, text: str) -> str:
    key = f"{SCHEMA}\x00{source}\x00{start}\x00{text}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@lru_cache(maxsize=4)
def _segmenter(language: str):  # type: ignore[no-untyped-def]
    import pysbd

    lang = language if language in {"fr", "en", "de", "es", "it"} else "en"
    return pysbd.Segmenter(language=lang, clean=False, char_span=False)


def sentence_spans(text: str, language: str = "fr") -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, trimmed of surrounding whitespace."""
    spans = []
    pos = 0
    for sent in _segmenter(language).segment(text):
        piece = sent.strip()
        if not piece:
            continue
        found = text.find(piece, pos)
        if found < 0:  # the segmenter altered the text; fall back to the raw cursor
            continue
        spans.append((found, found + len(piece)))
        pos = found + len(piece)
    return spans or [(0, len(text))]


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of the pieces a sentence over QUOTE_CHARS can be quoted by
    (pieces under MIN_CHARS joined to the next); one span for a shorter sentence."""
    if len(text) <= QUOTE_CHARS:
        return [(0, len(text))]
    return _pieces(text, INNER)


def _pieces(text: str, between: re.Pattern[str], mark: int = 0) -> list[tuple[int, int]]:
    """The pieces of ``text`` between matches of ``between`` (each without the ``mark``
    characters that end it), those under MIN_CHARS joined to the next."""
    pieces, at = [], 0
    for m in between.finditer(text):
        pieces.append((at, m.start() - mark))
        at = m.end()
    pieces.append((at, len(text)))
    return _merge_short(pieces)


def runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every run of consecutive pieces of ``text`` (``clauses``), the whole
    sentence included: what a sentence too long for the answer's bound can be quoted by."""
    spans = clauses(text)
    return [(spans[i][0], spans[j][1]) for i in range(len(spans)) for j in range(i, len(spans))]


# A fact sentence in an advice answer may be quoted by its opening or closing phrases instead:
# pieces that end before a comma, semicolon or colon followed by a space ("1,5" is not cut). A
# closing run must not open on a relative pronoun, whose antecedent was cut ("…, qui ne sont pas
# employés par ce dernier"; folded, "où" is also "ou"), and no run may split a quotation.
PHRASE = re.compile(r"(?<=[,;:])\s+")
LEANS = frozenset(
    "qui que qu dont ou lequel laquelle lesquels lesquelles which who whom whose where that".split()
)
_OPEN, _CLOSE = "«“", "»”"


def phrase_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the runs of ``text``'s phrases that open or close it, shorter than all
    of it (phrases under MIN_CHARS joined to the next); see ``LEANS``."""
    spans = _pieces(text, PHRASE, mark=1)  # the comma left out: "…chez Amazon", not "Amazon,"
    out = []
    for i in range(1, len(spans)):
        for s, e in ((0, spans[i - 1][1]), (spans[i][0], len(text))):
            piece = text[s:e]
            leans = s > 0 and bool(set(words(piece)[:1]) & LEANS)
            balanced = sum(piece.count(c) for c in _OPEN) == sum(piece.count(c) for c in _CLOSE)
            if balanced and not leans:
                out.append((s, e))
    return out


def _merge_short(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and merged[-1][1] - merged[-1][0] < MIN_CHARS:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= MAX_CHARS:
        return [(start, end)]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=MAX_CHARS, chunk_overlap=0, separators=["; ", ", ", " "], add_start_index=True
    )
    out = []
    for doc in splitter.create_documents([text[start:end]]):
        s = start + int(doc.metadata["start_index"])
        out.append((s, s + len(doc.page_content)))
    return out


def split_document(doc: Document) -> list[Chunk]:
    """Sentence chunks of a document; sentences addressed to the assistant are left out."""
    chunks = _split(doc)
    kept = [c for c in chunks if not is_instruction(c.text)]
    if len(kept) < len(chunks):
        log.warning(
            "%s: %d instruction-like sentence(s) not indexed", doc.source, len(chunks) - len(kept)
        )
    return kept


def _split(doc: Document) -> list[Chunk]:
    language = doc.metadata.get("language", "fr")
    chunks: list[Chunk] = []
    for number, (p_start, p_end) in enumerate(doc.paragraphs(), start=1):
        para = doc.text[p_start:p_end]
        spans = _merge_short(sentence_spans(para, language))
        pieces = [
            piece for s, e in spans for piece in _cut_long(doc.text, p_start + s, p_start + e)
        ]
        for i, (cs, ce) in enumerate(pieces):
            ctx = cs
            for ps, _ in reversed(pieces[max(0, i - CONTEXT_SENTENCES) : i]):
                if ce - ps > CONTEXT_CHARS:
                    break
                ctx = ps
            text = doc.text[cs:ce]
            context = doc.text[ctx:ce]
            chunks.append(
                Chunk(
                    id=chunk_id(doc.source, ctx, context),
                    source=doc.source,
                    text=text,
                    start=cs,
                    end=ce,
                    paragraph=number,
                    position=len(chunks),
                    context_start=ctx,
                    context=context,
                )
            )
    return chunks

"""Load corpus documents, keeping the file's text intact so offsets stay verbatim."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.types import CorpusError

log = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md"}
METADATA_FILE = "metadata.json"
# The article starts with " date 2020-12 " before its first sentence: metadata, not content.
HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\s+")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Document:
    source: str  # file name relative to the corpus directory
    text: str  # the whole file, exactly as read; offsets index into this
    body_start: int  # where the content starts (after a metadata header)
    metadata: dict[str, str] = field(default_factory=dict)

    def paragraphs(self) -> list[tuple[int, int]]:
        """(start, end) of each paragraph of the body, in file offsets."""
        spans: list[tuple[int, int]] = []
        pos = self.body_start
        for m in PARAGRAPH_BREAK.finditer(self.text, self.body_start):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, len(self.text)))
        return [_strip_span(self.text, s, e) for s, e in spans if self.text[s:e].strip()]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Indexable files, confined to ``corpus_dir`` (symlinks that leave it are refused)."""
    root = corpus_dir.resolve()
    if not root.is_dir():
        raise CorpusError(f"Corpus directory not found: {corpus_dir}")
    files = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            raise CorpusError(f"{path.name}: points outside the corpus directory; refusing it")
        files.append(path)
    return files


def load_document(path: Path, corpus_dir: Path, metadata: dict[str, str] | None = None) -> Document:
    root = corpus_dir.resolve()
    real = path.resolve()
    if not real.is_relative_to(root):
        raise CorpusError(f"{path}: outside the corpus directory {corpus_dir}")
    name = real.relative_to(root).as_posix()
    try:
        text = real.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{name}: not valid UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    except OSError as exc:
        raise CorpusError(f"{name}: cannot be read ({exc.strerror})") from exc
    if "\x00" in text:
        raise CorpusError(f"{name}: contains NUL bytes; not a text file")
    meta = dict(metadata or {})
    body_start = 0
    if m := HEADER.match(text):
        meta.setdefault("date", m.group(1))
        body_start = m.end()
    if not text[body_start:].strip():
        raise CorpusError(f"{name}: is empty")
    if "language" not in meta:
        from bot.language import text_language

        meta["language"] = text_language(text[body_start:])
    return Document(source=name, text=text, body_start=body_start, metadata=meta)


def load_metadata(corpus_dir: Path) -> dict[str, dict[str, str]]:
    path = corpus_dir / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{METADATA_FILE}: unreadable ({exc})") from exc
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.items()}


def load_corpus(corpus_dir: Path) -> list[Document]:
    """All documents of the corpus; a file that cannot be read raises a CorpusError naming it."""
    meta = load_metadata(corpus_dir)
    docs = []
    for path in corpus_files(corpus_dir):
        name = path.resolve().relative_to(corpus_dir.resolve()).as_posix()
        docs.append(load_document(path, corpus_dir, meta.get(name)))
    if not docs:
        raise CorpusError(f"No .txt or .md documents in {corpus_dir}")
    return docs

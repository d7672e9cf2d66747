"""Citations as data: parse [n] markers, check each sentence against what it cites, map to spans."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.facts import unsupported_facts
from bot.retrieve import Passage
from bot.text import sentences, tokens
from bot.types import Citation, SentenceSupport

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Below this, a sentence shares too little with what it cites (calibrated on eval/gold.jsonl).
SUPPORT_THRESHOLD = 0.25
# Words that add nothing of their own to an answer.
FILLER = set(tokens("yes no oui non indeed effectivement article says dit according selon"))

Similarity = Callable[[str, list[str]], list[float]]


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    citations: list[Citation]
    support: list[SentenceSupport]


MARKER_RUN = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\](?:\s*[,;]?\s*\[\d+(?:\s*[,;]\s*\d+)*\])*")


def _joined(run: re.Match[str]) -> str:
    return "[" + ", ".join(re.findall(r"\d+", run.group(0))) + "]"


def split_sentences(text: str) -> list[str]:
    """Sentences of a generated answer; markers placed after the full stop stay with it."""
    text = MARKER_RUN.sub(_joined, text.strip())
    text = re.sub(r"([.!?])\s*(\[\d+(?:, \d+)*\])[.!?]?", r" \2\1", text)
    return sentences(text, ".!?…", starts='A-ZÀ-Ý«"“(')


def markers(sentence: str) -> list[int]:
    return [int(n) for m in MARKER.finditer(sentence) for n in re.split(r"[,;]", m.group(1))]


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def lexical_support(sentence: str, evidence: str) -> float:
    """Share of the sentence's content words found in the evidence."""
    words = set(tokens(sentence))
    if not words:
        return 0.0
    return len(words & set(tokens(evidence))) / len(words)


def _score(plain: str, texts: list[str], similarity: Similarity | None, question: str) -> float:
    """Support of what the sentence adds to the question: restating it is not an answer.

    Words carry it within a language; embedding similarity carries it across languages.
    """
    novel = set(tokens(plain)) - set(tokens(question)) - FILLER
    if not novel:
        return 0.0
    lexical = max(len(novel & set(tokens(t))) / len(novel) for t in texts)
    dense = max(similarity(plain, texts)) if similarity else 0.0
    return max(lexical, dense)


def _attribute(
    plain: str, passages: Sequence[Passage], similarity: Similarity | None, question: str
) -> SentenceSupport:
    """A sentence the model left uncited gets the one passage that fully carries it, if any."""
    best: tuple[float, int] | None = None
    for n, p in enumerate(passages, start=1):
        if unsupported_facts(plain, p.text, p.context):
            continue
        score = _score(plain, [p.text], similarity, question)
        if best is None or score > best[0]:
            best = (score, n)
    if best is None or best[0] < SUPPORT_THRESHOLD:
        return SentenceSupport(plain, (), 0.0, False, "no citation and no passage supports it")
    return SentenceSupport(plain, (best[1],), round(best[0], 3), True, "citation added")


def check_sentence(
    sentence: str,
    passages: Sequence[Passage],
    similarity: Similarity | None = None,
    question: str = "",
) -> SentenceSupport:
    cited = [n for n in dict.fromkeys(markers(sentence)) if 1 <= n <= len(passages)]
    plain = strip_markers(sentence)
    if not tokens(plain):
        return SentenceSupport(plain, (), 0.0, False, "no content")
    if not cited:
        return _attribute(plain, passages, similarity, question)
    # Keep only the citations whose passage carries the sentence's facts on its own,
    # unless the facts are spread over several cited passages.
    texts = {n: passages[n - 1].text for n in cited}
    contexts = {n: passages[n - 1].context for n in cited}
    good = tuple(n for n in cited if not unsupported_facts(plain, texts[n], contexts[n]))
    used = good or tuple(cited)
    missing = unsupported_facts(
        plain, " ".join(texts[n] for n in used), " ".join(contexts[n] for n in used)
    )
    score = 0.0 if missing else _score(plain, [texts[n] for n in used], similarity, question)
    if not missing and score >= SUPPORT_THRESHOLD:
        return SentenceSupport(plain, used, round(score, 3), True)
    # What it cites does not carry the sentence; another passage shown to the model may.
    moved = _attribute(plain, passages, similarity, question)
    if moved.supported:
        return SentenceSupport(plain, moved.citations, moved.score, True, "citation corrected")
    reason = "not in cited passages: " + ", ".join(missing) if missing else "weak support"
    return SentenceSupport(plain, tuple(cited), round(score, 3), False, reason)


def quoted(quote: str, passages: Sequence[Passage]) -> Passage:
    """The passage of a verbatim quote: its sentence, cut to the quote (same source offsets)."""
    for p in passages:
        at = p.text.find(quote)
        if at >= 0:
            start = p.chunk.start + at
            return Passage(replace(p.chunk, text=quote, start=start, end=start + len(quote)))
    raise ValueError(f"quote not in the corpus: {quote[:60]}")


def build_citations(numbers: Sequence[int], passages: Sequence[Passage]) -> list[Citation]:
    out = []
    for new_id, n in enumerate(numbers, start=1):
        c = passages[n - 1].chunk
        out.append(Citation(new_id, c.source, c.text, c.start, c.end, c.paragraph))
    return out


def verify(
    answer: str,
    passages: Sequence[Passage],
    similarity: Similarity | None = None,
    question: str = "",
) -> CheckedAnswer:
    """Drop unsupported sentences and non-supporting citations; renumber what remains."""
    support = [check_sentence(s, passages, similarity, question) for s in split_sentences(answer)]
    order: list[int] = []
    for s in support:
        if s.supported:
            order.extend(n for n in s.citations if n not in order)
    renumber = {old: new for new, old in enumerate(order, start=1)}
    kept = []
    for s in support:
        if s.supported:
            refs = "".join(f"[{renumber[n]}]" for n in s.citations)
            body = s.sentence.rstrip()
            end = body[-1] if body and body[-1] in ".!?" else ""
            kept.append(f"{body[:-1] if end else body} {refs}{end or '.'}")
    return CheckedAnswer(" ".join(kept), build_citations(order, passages), support)

"""Faithful versions of the article's sentences in the other language (French ↔ English), made
without any question in sight.

A sentence is translated on its own (the model never sees what the user asked, so it cannot
bend the sentence towards the question), checked against the original (numbers, amounts,
dates, names, negation) and cached on disk per model, direction and prompt wording, so each
sentence is translated once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.facts import (
    ALIASES,
    NUMBER,
    english_numbers,
    inner_names,
    months,
    name_supported,
    negated,
    unsupported_facts,
)
from bot.language import LANGUAGE_NAMES
from bot.llm import Generator, LLMUnavailable
from bot.prompts import PromptError, load_prompt, render
from bot.text import fold

log = logging.getLogger(__name__)
MAX_TOKENS_PER_CHAR = 0.6  # English tokens needed per French character, with room to spare
LENGTH_RATIO = (0.7, 1.4)  # English length / French length of a whole translation
# Tried in turn until a version passes the checks; the last one hides the numbers behind
# placeholders that are filled back in code (the model once wrote "$70 billion" for "$700 million").
PROMPTS = ("translate", "translate_plain", "translate_masked")
SAMPLED = 4  # then this many samples of the first prompt (fixed seeds: still reproducible)


@dataclass(frozen=True)
class Translation:
    source: str
    text: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.text) and not self.problems

    @property
    def searchable(self) -> bool:
        """Good enough to be searched, never shown: its facts all check and only its length
        is off (a clause left out). An English question then still meets the sentence."""
        return bool(self.text) and all(p == "length" for p in self.problems)


def _figures(text: str, other: str) -> list[str]:
    """Numbers, amounts, percentages and months of ``text`` that ``other`` lacks."""
    return [f for f in unsupported_facts(text, other, derived=False) if not f[:1].isalpha()] + [
        f"month {m}" for m in sorted(months(text) - months(other))
    ]


def _says(text: str, name: str) -> bool:
    """Whether ``text`` has the (folded) name as a whole word, or an alias of it."""
    folded = fold(text)
    spellings = {name, *(alias for alias, target in ALIASES.items() if target == name)}
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded) for w in spellings)


def names_kept(source: str, text: str) -> set[str]:
    """The names of ``source`` (``inner_names``) that its translation ``text`` still gives."""
    return {n for n in inner_names(source) if _says(text, n)}


def lost_first_name(source: str, text: str, names: frozenset[str]) -> list[str]:
    """The name that starts ``source``, when the article names it elsewhere (``names``: its
    names, folded) and the translation lacks it as a whole word ("Marsh said" → "Marshall a
    dit"). A capital that starts a sentence is not taken for a name by ``inner_names``."""
    first = re.findall(r"\w+", fold(source))[:1]
    if not first or first[0] not in names:
        return []
    return [] if _says(text, first[0]) else [f"lost {first[0]}"]


def check(
    source: str,
    text: str,
    languages: tuple[str, str] = ("fr", "en"),
    names: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """What the translation (``languages``: from, to) changed: facts added or lost, a name the
    sentence starts with lost (``names``: the article's), a negation added or dropped, a
    sentence left out (too short) or a comment added (too long)."""
    problems = [f"added {f}" for f in _figures(text, source)]
    problems += [f"lost {f}" for f in _figures(source, text)]
    # Names only one way: they are spelt differently across languages (États-Unis).
    problems += [f"added {n}" for n in sorted(inner_names(text)) if not name_supported(n, source)]
    problems += lost_first_name(source, text, names)
    if languages == ("fr", "en"):
        problems += [
            f"changed '{fr}' {year}" for fr, year in _dated(source) if not _kept(text, fr, year)
        ]
    if negated(source, languages[0]) != negated(text, languages[1]):
        problems.append("negation changed")
    if not LENGTH_RATIO[0] <= len(text) / max(len(source), 1) <= LENGTH_RATIO[1]:
        problems.append("length")
    return tuple(problems)


# How a French time preposition before a year reads in English ("d’ici 2025" is "by 2025",
# never "from 2025").
YEAR_PREPOSITIONS = {
    "d'ici": ("by",),
    "depuis": ("since", "for"),
    "a partir de": ("from", "as of", "starting"),
    "avant": ("before", "by"),
    "apres": ("after",),
    "jusqu'en": ("until", "till", "through"),
}


def _dated(text: str) -> list[tuple[str, str]]:
    folded = fold(text)
    return [
        (fr, m.group(1))
        for fr in YEAR_PREPOSITIONS
        for m in re.finditer(rf"\b{re.escape(fr)}\s+((?:19|20)\d\d)\b", folded)
    ]


def _kept(text: str, fr: str, year: str) -> bool:
    folded = fold(text)
    return any(
        re.search(rf"\b{en}\s+(?:the\s+end\s+of\s+)?{year}\b", folded)
        for en in YEAR_PREPOSITIONS[fr]
    )


def english_dates(text: str) -> str:
    """ "d’ici 2025" written "by 2025" before translation: the model kept reading "from 2025"."""
    for fr, en in YEAR_PREPOSITIONS.items():
        pattern = (
            fr.replace("'", "['’]").replace("a partir", "[aà] partir").replace("apres", "apr[eè]s")
        )
        text = re.sub(rf"\b{pattern}\s+((?:19|20)\d\d)\b", rf"{en[0]} \1", text, flags=re.I)
    return text


def mask_numbers(text: str) -> tuple[str, list[str]]:
    """Numbers replaced by <N1>, <N2>…, and the numbers in order."""
    values: list[str] = []

    def mask(m: re.Match[str]) -> str:
        values.append(m.group(0).strip())
        return f"<N{len(values)}>" + (" " if m.group(0).endswith(" ") else "")

    return NUMBER.sub(mask, text), values


def unmask_numbers(text: str, values: list[str]) -> str:
    for i, value in enumerate(values, start=1):
        text = text.replace(f"<N{i}>", value)
    return text


def _clean(text: str) -> str:
    line = text.strip().split("\n\n")[0].strip()
    for prefix in ("Translation:", "English:", "English translation:"):
        if line.lower().startswith(prefix.lower()):
            line = line[len(prefix) :].strip()
    return line


def prompts_digest(prompts_dir: Path) -> str:
    """A short hash of the translation prompts' wording ("" when one is missing)."""
    try:
        text = "\n".join(load_prompt(name, prompts_dir) for name in PROMPTS)
    except PromptError:
        return ""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _scope(generator: Generator | None, prompts_dir: Path) -> str:
    """Translations are kept per model and per wording of the translation prompts: other
    prompts (``BOT_PROMPTS_DIR``) get their own translations."""
    if generator is None:
        return ""
    digest = prompts_digest(prompts_dir)
    return f"{generator.name} (prompts {digest})" if digest else generator.name


def translation(
    sentence: str, entry: dict[str, Any], names: frozenset[str] = frozenset()
) -> Translation:
    """A cache entry read back, with the check of a name that starts the sentence made again
    (``names``: the article's), so a translation cached before that check gets it too."""
    listed = entry.get("problems", [])
    problems = tuple(str(p) for p in listed) if isinstance(listed, list) else ()
    text = str(entry.get("text", ""))
    lost = [p for p in lost_first_name(sentence, text, names) if p not in problems]
    return Translation(sentence, text, (*problems, *lost))


def other_language(language: str) -> str:
    """The language answers are translated into from an article in ``language``."""
    return "en" if language != "en" else "fr"


class Translator:
    """One sentence at a time from the article's language into the other one (French ↔
    English), through the chat model, with a JSON cache on disk. ``names``: the article's
    names (``facts.inner_names``), for the check of a name that starts a sentence; it is made
    again on translations read from the cache, so an older cache gets it too."""

    def __init__(
        self,
        generator: Generator | None,
        cache_path: Path,
        prompts_dir: Path,
        source: str = "fr",
        names: frozenset[str] = frozenset(),
    ) -> None:
        self.generator = generator
        self.names = names
        self.cache_path = cache_path
        self.prompts_dir = prompts_dir
        self.languages = (source, other_language(source))
        self._lock = threading.Lock()
        self._cache: dict[str, dict[str, object]] | None = None
        # The part of the cache file used here: per model, prompt wording and direction.
        scope = _scope(generator, prompts_dir)
        self.scope = scope if self.languages == ("fr", "en") else f"{scope} {source}→"

    @staticmethod
    def key(sentence: str) -> str:
        return hashlib.sha256(sentence.encode()).hexdigest()[:24]

    def _entries(self) -> dict[str, dict[str, object]]:
        if self._cache is None:
            try:
                data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            self._cache = data if isinstance(data, dict) else {}
        return self._cache.setdefault(self.scope, {})  # type: ignore[return-value]

    def cached(self, sentence: str) -> Translation | None:
        """The translation on disk. Without a model (extractive mode, or the LLM failed to
        load), any model's translation of the sentence whose facts check is used, read only
        (a fully checked one first; only those are ever shown)."""
        key = self.key(sentence)
        with self._lock:
            entry = self._entries().get(key)
            if entry or self.generator is not None:
                return translation(sentence, entry, self.names) if entry else None
            scopes: list[Any] = list((self._cache or {}).values())
            found = [e.get(key) for e in scopes if isinstance(e, dict)]
        usable = [
            t
            for e in found
            if isinstance(e, dict)
            if (t := translation(sentence, e, self.names)).searchable
        ]
        return min(usable, key=lambda t: len(t.problems), default=None)

    def get(self, sentence: str) -> Translation | None:
        """The cached translation, or a new one (None without a model or when it fails)."""
        found = self.cached(sentence)
        if found is not None or self.generator is None:
            return found
        try:
            made = self._translate(sentence)
        except LLMUnavailable as exc:
            log.warning("translation failed: %s", exc)
            return None
        self._store(made)
        return made

    def _translate(self, sentence: str) -> Translation:
        """The first version that passes the checks, else the last one with its problems."""
        assert self.generator is not None
        budget = int(len(sentence) * MAX_TOKENS_PER_CHAR) + 16
        made = Translation(sentence, "", ("not translated",))
        tries: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in PROMPTS]
        tries += [(PROMPTS[0], {"temperature": 0.7, "seed": i}) for i in range(1, SAMPLED + 1)]
        source, target = (LANGUAGE_NAMES.get(lang, lang) for lang in self.languages)
        french = self.languages == ("fr", "en")
        for name, options in tries:
            prepared = english_dates(english_numbers(sentence)) if french else sentence
            masked, values = (
                mask_numbers(prepared) if name == "translate_masked" else (prepared, [])
            )
            prompt = render(name, self.prompts_dir, sentence=masked, source=source, target=target)
            system, _, user = prompt.partition("\n---\n")
            messages: list[BaseMessage] = (
                [SystemMessage(system), HumanMessage(user)] if user else [HumanMessage(system)]
            )
            text = unmask_numbers(
                _clean(self.generator.complete(messages, budget, **options)), values
            )
            made = Translation(sentence, text, check(sentence, text, self.languages, self.names))
            if made.ok:
                return made
            log.info("translation rejected (%s): %r", ", ".join(made.problems), made.text)
        return made

    def _store(self, made: Translation) -> None:
        with self._lock:
            self._entries()[self.key(made.source)] = {
                "text": made.text,
                "problems": list(made.problems),
            }
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._cache, ensure_ascii=False, indent=1), "utf-8")
            tmp.replace(self.cache_path)

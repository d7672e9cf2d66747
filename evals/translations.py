"""chrF of the article's shipped English translations against reference translations.

    python -m evals.translations [--scope NAME] [--translate] [--json OUT]

The references (``eval/translations.jsonl``: each French sentence as the bot splits it, a
careful English translation written by hand, and ``kind``: a whole ``sentence`` or a
``quote`` that advice cites) are never shown to the model. What is scored is what a reader
sees: the cached translation when its checks pass, else the French sentence (quoted as is).
By default the cache scope of the current prompts is read; ``--translate`` loads the local
model first and makes the translations that scope lacks (as ``bot ingest --warm`` does).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.translate import Translation, Translator, prompts_digest, translation

REFERENCES = Path("eval/translations.jsonl")


@dataclass(frozen=True)
class Row:
    kind: str
    fr: str
    reference: str
    shown: str
    problems: tuple[str, ...]
    chrf: float


def references(path: Path = REFERENCES) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def shown(found: Translation | None, french: str) -> tuple[str, tuple[str, ...]]:
    """What an English reader is shown for ``french``, and why it is not a translation."""
    if found is None:
        return french, ("not translated",)
    return (found.text, ()) if found.ok else (french, found.problems)


def score(
    refs: list[dict[str, str]],
    entries: dict[str, dict[str, object]],
    names: frozenset[str] = frozenset(),
) -> list[Row]:
    """Each reference against what is shown, read as the bot reads its cache (``names``: the
    article's, for the check of a name that starts a sentence)."""
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    rows = []
    for ref in refs:
        entry = entries.get(Translator.key(ref["fr"]))
        text, problems = shown(translation(ref["fr"], entry, names) if entry else None, ref["fr"])
        value = chrf.sentence_score(text, [ref["en"]]).score
        rows.append(Row(ref["kind"], ref["fr"], ref["en"], text, problems, value))
    return rows


def overall(rows: list[Row]) -> float:
    """Corpus-level chrF (character n-gram statistics summed over the rows)."""
    from sacrebleu.metrics import CHRF

    return float(CHRF().corpus_score([r.shown for r in rows], [[r.reference for r in rows]]).score)


def report(rows: list[Row]) -> str:
    lines = [f"{'chrF':>5}  {'kind':8}  shown text"]
    for r in rows:
        note = f"  [French shown: {', '.join(r.problems)}]" if r.problems else ""
        lines.append(f"{r.chrf:5.1f}  {r.kind:8}  {r.shown[:90]}{note}")
    sentences = [r for r in rows if r.kind == "sentence"]
    lines.append(f"overall chrF, {len(sentences)} sentences: {overall(sentences):.1f}")
    lines.append(f"overall chrF, all {len(rows)} rows (quotes too): {overall(rows):.1f}")
    return "\n".join(lines)


def scope_entries(cache: Path, scope: str) -> dict[str, dict[str, object]]:
    data = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    found = data.get(scope, {}) if isinstance(data, dict) else {}
    return found if isinstance(found, dict) else {}


def current_scope(cache: Path, prompts_dir: Path) -> str:
    """The cache scope made with the current prompts (the first model's, if several)."""
    data = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    digest = f"(prompts {prompts_digest(prompts_dir)})"
    return next((s for s in data if s.endswith(digest)), "")


def article_names(corpus_dir: Path) -> frozenset[str]:
    """The names of the article, as the bot gives them to its translator."""
    from bot.corpus import load_corpus
    from bot.facts import inner_names

    return frozenset(inner_names("\n".join(d.text for d in load_corpus(corpus_dir))))


def translate_all(cache: Path, refs: list[dict[str, str]], names: frozenset[str]) -> str:
    """Load the local model, make the translations its scope lacks; that scope."""
    from bot.config import Settings
    from bot.local import load_local

    settings = Settings()
    t = Translator(load_local(settings), cache, settings.prompts_dir, names=names)
    for ref in refs:
        t.get(ref["fr"])
    return t.scope


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.translations")
    parser.add_argument("--scope", help="cache scope to read (default: the current prompts')")
    parser.add_argument("--cache", type=Path, help="translations cache (default: the bot's)")
    parser.add_argument("--translate", action="store_true", help="make missing translations")
    parser.add_argument("--json", type=Path, help="write the rows and figures here")
    args = parser.parse_args(argv)
    from bot.config import Settings

    settings = Settings()
    cache = args.cache or settings.data_dir / "translations.json"
    refs = references()
    names = article_names(settings.corpus_dir)
    scope = translate_all(cache, refs, names) if args.translate else ""
    scope = scope or args.scope or current_scope(cache, settings.prompts_dir)
    rows = score(refs, scope_entries(cache, scope), names)
    print(f"scope: {scope}\n{report(rows)}")
    if args.json:
        sentences = [r for r in rows if r.kind == "sentence"]
        figures = {"scope": scope, "chrf": overall(sentences), "chrf_all": overall(rows)}
        out = {**figures, "rows": [asdict(r) for r in rows]}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Prompt templates, loaded by name from a given directory and rendered strictly.

The templates are the repository's ``prompts/*.md``; the wheel ships them as ``bot/templates``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

SOURCE_TREE = Path(__file__).resolve().parent.parent / "prompts"


class PromptError(KeyError):
    """A prompt file is missing or a template variable was not supplied."""


def packaged_prompts() -> Path:
    """The templates shipped with the package, or ``prompts/`` when run from a checkout."""
    shipped = resources.files("bot").joinpath("templates")
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return SOURCE_TREE


@lru_cache(maxsize=32)
def _read(directory: Path, name: str) -> str:
    path = directory / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"prompt not found: {path}")
    return path.read_text(encoding="utf-8").strip()


def load_prompt(name: str, directory: Path) -> str:
    return _read(directory.resolve(), name)


def render(name: str, directory: Path, **values: str) -> str:
    """Fill ``$name`` placeholders; a missing value raises instead of leaving a hole."""
    try:
        return Template(load_prompt(name, directory)).substitute(values)
    except KeyError as exc:
        raise PromptError(f"prompt {name!r} needs a value for {exc.args[0]!r}") from exc

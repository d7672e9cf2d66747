"""Prompt templates live in ``prompts/`` and are rendered strictly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

from bot.config import get_settings


class PromptError(KeyError):
    """A prompt file is missing or a template variable was not supplied."""


@lru_cache(maxsize=32)
def _read(directory: Path, name: str) -> str:
    path = directory / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"prompt not found: {path}")
    return path.read_text(encoding="utf-8").strip()


def load_prompt(name: str, directory: Path | None = None) -> str:
    return _read((directory or get_settings().prompts_dir).resolve(), name)


def render(name: str, directory: Path | None = None, **values: str) -> str:
    """Fill ``$name`` placeholders; a missing value raises instead of leaving a hole."""
    try:
        return Template(load_prompt(name, directory)).substitute(values)
    except KeyError as exc:
        raise PromptError(f"prompt {name!r} needs a value for {exc.args[0]!r}") from exc

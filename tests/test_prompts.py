"""Prompt templates: each renders strictly, and a bot reads them from its own settings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.prompts import PromptError, packaged_prompts, render

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(p.stem for p in (ROOT / "prompts").glob("*.md"))


@pytest.mark.parametrize("name", NAMES)
def test_each_template_renders_with_its_values_and_fails_without_one(name: str) -> None:
    text = (ROOT / "prompts" / f"{name}.md").read_text(encoding="utf-8")
    fields = sorted(set(re.findall(r"\$\{?(\w+)", text)))
    values = {f: f"<{f}>" for f in fields}
    rendered = render(name, packaged_prompts(), **values)
    assert "$" not in rendered and all(v in rendered for v in values.values())
    if fields:
        with pytest.raises(PromptError, match=fields[0]):
            render(name, packaged_prompts(), **{f: "x" for f in fields[1:]})


def test_a_missing_template_is_named() -> None:
    with pytest.raises(PromptError, match="no_such_prompt"):
        render("no_such_prompt", packaged_prompts())


def test_empty_prompts_dir_means_the_packaged_templates(monkeypatch) -> None:
    monkeypatch.setenv("BOT_PROMPTS_DIR", "")
    assert Settings().prompts_dir == packaged_prompts()
    assert sorted(p.stem for p in packaged_prompts().glob("*.md")) == NAMES
    monkeypatch.setenv("BOT_PROMPTS_DIR", "/elsewhere")
    assert Settings().prompts_dir == Path("/elsewhere")


def test_a_bot_uses_the_prompts_of_its_settings(settings, index, tmp_path) -> None:
    from bot.build import evidence_path
    from bot.llm import Generator
    from bot.pipeline import Bot
    from bot.retrieve import Retriever
    from bot.select import messages
    from tests.fakes import prompt_text, replying

    custom = tmp_path / "prompts"
    shutil.copytree(packaged_prompts(), custom)
    for path in custom.glob("*.md"):
        path.write_text(f"CUSTOM-{path.stem} " + path.read_text("utf-8"), "utf-8")
    s = settings.model_copy(update={"prompts_dir": custom, "answering": "free"})
    model = replying(lambda m: "Que fait Jarred Gaines maintenant ?")
    bot = Bot(s, index, Retriever(index, 4), Generator(model, "fake", timeout_s=10))
    history = [
        {"role": "user", "content": "Qui est Jarred Gaines ?"},
        {"role": "assistant", "content": "Un coach sportif."},
    ]
    bot.answer("Et maintenant ?", history)
    seen = " ".join(prompt_text(m) for m in model.calls)
    assert all(f"CUSTOM-{n}" in seen for n in ("condense", "system", "question_fr"))

    from bot.corpus import load_corpus

    path = evidence_path(s, bot.generator, load_corpus(s.corpus_dir))
    path.translator.get("Le cours a duré 12 semaines.")
    assert "CUSTOM-translate" in prompt_text(model.calls[-1])
    assert path.prompts_dir == custom
    shown = bot.retriever.all_passages()
    assert "CUSTOM-select_system" in prompt_text(messages("?", shown, shown[:2], custom))

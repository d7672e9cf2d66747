"""The wheel carries everything the bot needs but the models and the corpus: built, installed
on its own (not editable) and run from a directory outside the repository, it answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apprunner import linked_data_dir
from tests.conftest import ARTICLE

pytestmark = [pytest.mark.real_models, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parent.parent
# Not part of a build: the environment, local data and caches.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", ".data", "build", "*.egg-info", "test-artifacts", "__pycache__", ".*_cache"
)
PROMPTS = sorted(p.stem for p in (ROOT / "prompts").glob("*.md"))
INSTALLED = """
import json
import bot
from bot.config import Settings
from bot.decide import Calibrator
from bot.prompts import load_prompt

s = Settings()
names = sorted(p.stem for p in s.prompts_dir.glob("*.md"))
for name in names:
    load_prompt(name, s.prompts_dir)
for name in ("calibration.json", "calibration_extractive.json"):
    Calibrator.bundled(name)
print(json.dumps({"bot": bot.__file__, "prompts": str(s.prompts_dir), "names": names}))
"""


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert out.returncode == 0, f"{args[:3]}: {out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


def test_the_installed_wheel_answers_from_another_directory(tmp_path: Path) -> None:
    # A copy of the checkout, so the build leaves nothing in it (build/, *.egg-info).
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCES)
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # The venv's setuptools builds it: nothing to download.
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)])
    (wheel,) = wheels.glob("cloud_career_bot-*.whl")
    # Only the bot itself; its dependencies come from the current environment.
    _run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)])

    work.mkdir()
    corpus = work / "articles"
    shutil.copytree(ROOT / "corpus", corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "PYTHONPATH": str(site),
        "BOT_CORPUS_DIR": str(corpus),
        "BOT_DATA_DIR": str(linked_data_dir(work)),
        "BOT_LLM": "extractive",
    }

    found = json.loads(_run([sys.executable, "-c", INSTALLED], cwd=work, env=env).stdout)
    assert Path(found["bot"]).is_relative_to(site), found  # not the checkout
    assert Path(found["prompts"]) == site / "bot" / "templates"
    assert found["names"] == PROMPTS

    question = "Combien de personnes Amazon veut-elle former d’ici 2025 ?"
    out = _run(
        [str(site / "bin" / "cloud-career-bot"), "ask", "--json", question], cwd=work, env=env
    )
    answer = json.loads(out.stdout)
    assert not answer["abstained"] and answer["citations"], answer
    text = (corpus / ARTICLE).read_text(encoding="utf-8")
    assert all(text[c["start"] : c["end"]] == c["quote"] for c in answer["citations"])
    assert any("29 millions" in c["quote"] for c in answer["citations"])

"""`.env.example` documents every setting, with its default."""

from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_env_example() -> None:
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    expected = {f"BOT_{name.upper()}" for name in Settings.model_fields}
    assert expected - listed == set(), f"missing from .env.example: {expected - listed}"

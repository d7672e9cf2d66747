"""Loading the bot in the background, so the page is served while the models load."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from bot import render
from bot.pipeline import Bot

log = logging.getLogger(__name__)

LOAD_WAIT_S = 600.0  # a question asked during start-up waits this long for the models


class BotLoader:
    """Builds the bot, then warms it up, in a daemon thread so the page comes up at once."""

    def __init__(self, factory: Callable[[], Bot]) -> None:
        self._factory = factory
        self._built = threading.Event()
        self.bot: Bot | None = None
        self.error = ""
        self.warm = False
        self.status = "⟳ Loading models… (the page works; questions wait for them)"

    def start(self) -> BotLoader:
        threading.Thread(target=self._run, name="bot-loader", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            self.bot = self._factory()
        except Exception as exc:  # shown on the page instead of a silently dead thread
            log.exception("loading the bot failed")
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = (
                f"✗ The models could not be loaded ({render.escape_markdown(self.error)})."
            )
            self._built.set()
            return
        name = render.escape_markdown(self.bot.model_name)
        self.status = f"⟳ Warming up {name}… (questions can already be asked)"
        self._built.set()
        try:
            self.bot.warm_up()
        except Exception:  # only the first answer gets slower; the bot itself works
            log.exception("warm-up failed")
        self.warm = True
        notices = "".join(f"\n\n⚠ {render.escape_markdown(n)}" for n in self.bot.notices)
        self.status = f"✓ Ready — model: {name}{notices}"

    def wait(self, timeout: float) -> Bot | None:
        """The bot once built (even if still warming up), else None after `timeout` seconds."""
        self._built.wait(timeout)
        return self.bot

    @property
    def done(self) -> bool:
        return self.warm or bool(self.error)

    def state(self) -> dict[str, Any]:
        model = self.bot.model_name if self.bot else None
        return {"ready": self.warm, "status": self.status, "model": model, "error": self.error}

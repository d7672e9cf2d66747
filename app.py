"""Entry point: `python app.py` serves the chat UI (settings from BOT_* environment variables)."""

from bot.ui import launch

if __name__ == "__main__":
    launch()

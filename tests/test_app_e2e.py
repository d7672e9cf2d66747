"""The real app (`python app.py`) on loopback: its API through gradio_client, its page in Chromium.

Slow: the app loads the real embedder and LLM (from the model cache) in the background.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apprunner import App, running_app

pytestmark = [pytest.mark.server, pytest.mark.real_models]

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = (ROOT / "corpus" / "000_88c982e0d93ec0a5.txt").read_text(encoding="utf-8")
ARTIFACTS = ROOT / "test-artifacts"
QUESTION = "Combien de personnes Amazon veut-elle former d’ici 2025 ?"
XSS = "<img src=x onerror=alert(1)>"
ANSWER_TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    with running_app(tmp_path_factory.mktemp("app")) as running:
        yield running


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    client = Client(app.url, verbose=False)
    yield client
    client.close()


def test_page_is_served_while_models_load(app):
    assert app.page_up_s < 60
    assert {"ready", "status", "model", "error"} <= app.status_at_page_up.keys()


def test_api_answers_with_a_verbatim_citation(client):
    result = client.predict(QUESTION, api_name="/answer")
    assert "error" not in result, result
    assert {"text", "citations", "abstained", "language"} <= result.keys()
    assert result["language"] == "fr" and not result["abstained"]
    quotes = [c for c in result["citations"] if "29 millions" in c["quote"]]
    assert quotes, result
    for c in result["citations"]:
        assert ARTICLE[c["start"] : c["end"]] == c["quote"]


def test_api_reports_bad_input_as_an_error_field(client):
    assert "error" in client.predict("   ", api_name="/answer")
    assert "error" in client.predict(QUESTION, "not json", api_name="/answer")
    assert "error" in client.predict(QUESTION, '[{"role": "robot"}]', api_name="/answer")


# ------------------------------------------------------------------- the page in Chromium

ANSWER_DONE_JS = """n => {
  const bots = document.querySelectorAll('#chat [data-testid="bot"]');
  if (bots.length < n) return false;
  const last = bots[bots.length - 1].innerText.trim();
  const box = document.querySelector('#question textarea');
  return (last.includes('⚙') || last.startsWith('⚠')) && !last.endsWith('✎') && !box.disabled;
}"""


def _ask(page, question: str, answers_before: int) -> str:
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(ANSWER_DONE_JS, arg=answers_before + 1, timeout=ANSWER_TIMEOUT_MS)
    return page.locator('#chat [data-testid="bot"]').last.inner_text()


def _open(app, browser, height: int = 900):
    """A page of the app, its models loaded."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1360, "height": height})
    page.set_default_timeout(30_000)
    page.goto(app.url, wait_until="domcontentloaded")
    expect(page.locator("#status")).to_contain_text("Ready", timeout=30_000)
    return page


@pytest.mark.browser
def test_browser_chat_cites_and_highlights_the_source(app, browser):
    from playwright.sync_api import expect

    page = _open(app, browser)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    reply = _ask(page, QUESTION, 0)
    assert "29 millions" in reply
    # The short answer, in bold above the quote it is copied from.
    lead = page.locator('#chat [data-testid="bot"]').last.locator("strong").first
    assert lead.inner_text() == "29 millions"
    buttons = page.locator("#sources button[data-cite]")
    expect(buttons.first).to_be_visible()
    items = page.locator("#sources li.source")
    texts = items.all_inner_texts()
    index = next((i for i, t in enumerate(texts) if "29 millions" in t), 0)
    quote = items.nth(index).locator(".quote").inner_text()
    buttons.nth(index).click()

    mark = page.locator("#article mark#cited-span")
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    assert " ".join(mark.inner_text().split()) == " ".join(quote.split())
    assert quote in ARTICLE
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"))

    reply = _ask(page, XSS, 1)
    page.wait_for_timeout(1000)  # an onerror handler would have fired by now
    assert dialogs == []
    user = page.locator('#chat [data-testid="user"]').last
    assert XSS in user.inner_text()
    assert page.locator("#chat img[src='x']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "chat-escaped.png"), full_page=True)
    page.close()


ENGLISH_QUESTION = "How many people does Amazon want to train by 2025?"


@pytest.mark.browser
def test_browser_english_answer_quotes_the_checked_translation(app, browser):
    page = _open(app, browser)
    reply = _ask(page, ENGLISH_QUESTION, 0)
    assert "29 million" in reply and "translated from the French" in reply, reply
    lead = page.locator('#chat [data-testid="bot"]').last.locator("strong").first
    assert lead.inner_text() == "29 million"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-en.png"))
    page.close()


ADVICE_QUESTION = "J’ai 40 ans, je travaille dans la vente. Puis-je me reconvertir dans le cloud ?"


@pytest.mark.browser
def test_browser_advice_answer_shows_its_parts_and_follow_ups(app, browser):
    from playwright.sync_api import expect

    page = _open(app, browser, height=1000)

    reply = _ask(page, ADVICE_QUESTION, 0)
    assert "Ce que montre l’article" in reply and "Ce que l’article ne dit pas" in reply
    assert "12 semaines" in reply  # the story, quoted
    bot = page.locator('#chat [data-testid="bot"]').last
    options = page.locator("#chat button").filter(has_text="?")
    expect(options.first).to_be_visible()
    followups = [t.strip() for t in options.all_inner_texts() if t.strip().endswith("?")]
    assert 2 <= len(followups) <= 3, followups
    ARTIFACTS.mkdir(exist_ok=True)
    bot.screenshot(path=str(ARTIFACTS / "advice.png"))

    options.first.click()  # a follow-up is asked as the next question
    page.wait_for_function(ANSWER_DONE_JS, arg=2, timeout=ANSWER_TIMEOUT_MS)
    asked = page.locator('#chat [data-testid="user"]').last.inner_text()
    assert asked.strip() == followups[0]
    page.close()

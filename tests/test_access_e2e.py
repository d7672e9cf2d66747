"""Opened to a team: sign-in for the page and the API, and the line as users see it.

The real app with the bundled local model (one answer at a time), BOT_AUTH pointing to a
password file of hashes, and BOT_QUEUE_MAX=1: one question answering, one waiting, the next
turned away.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bot.auth import add_user
from tests.apprunner import ROOT, App, running_app
from tests.test_app_e2e import ANSWER_DONE_JS, ANSWER_TIMEOUT_MS

pytestmark = [pytest.mark.server, pytest.mark.real_models, pytest.mark.timeout(1800)]

USER = ("alice", "correct horse battery")
QUESTION = "Combien de personnes Amazon veut-elle former d’ici 2025 ?"
OTHER = "What job did Jarred Gaines get after his cloud course?"
ARTICLE = (ROOT / "corpus" / "000_88c982e0d93ec0a5.txt").read_text(encoding="utf-8")
ARTIFACTS = ROOT / "test-artifacts"
STATE_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    workdir = tmp_path_factory.mktemp("access")
    users = workdir / "users.txt"
    add_user(users, *USER)
    with running_app(workdir, auth=USER, BOT_AUTH=str(users), BOT_QUEUE_MAX="1") as running:
        yield running


# A follow-up: rewriting it into a standalone question is one more LLM call, so the question
# ahead holds the line for a while (several seconds) — long enough for the page to be seen.
SLOW = (
    "And by when?",
    [
        {"role": "user", "content": "How many people does Amazon want to train?"},
        {"role": "assistant", "content": "29 million people."},
    ],
)


@pytest.fixture(scope="module")
def clients(app) -> Iterator[list[Any]]:
    """Signed-in clients, made beforehand so that a question can be sent at a given moment."""
    made = [app.client() for _ in range(3)]
    yield made
    for client in made:
        client.close()


def _wait_for_line(poller: Any, answering: int, waiting: int) -> None:
    deadline = time.monotonic() + STATE_TIMEOUT_S
    while time.monotonic() < deadline:
        line = poller.predict(api_name="/status")["queue"]
        if (line["answering"], line["waiting"]) == (answering, waiting):
            return
        time.sleep(0.02)
    pytest.fail(f"the line never had {answering} answering and {waiting} waiting: {line}")


def _ask_in_background(pool: ThreadPoolExecutor, client: Any, question: str, *history) -> Future:
    return pool.submit(client.predict, question, *history, api_name="/answer")


# ------------------------------------------------------------------- the API


def test_the_api_refuses_clients_without_valid_credentials(app):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        Client(app.url, verbose=False)
    with pytest.raises(ValueError, match="Could not login"):
        Client(app.url, verbose=False, auth=(USER[0], "wrong password"))
    raw = httpx.post(f"{app.url}gradio_api/call/answer", json={"data": [QUESTION]})
    assert raw.status_code == 401
    assert httpx.get(f"{app.url}config").status_code == 401


def test_the_api_answers_a_signed_in_client(app):
    client = app.client()
    try:
        result = client.predict(QUESTION, api_name="/answer")
    finally:
        client.close()
    assert "error" not in result, result
    assert any("29 millions" in c["quote"] for c in result["citations"]), result
    for c in result["citations"]:
        assert ARTICLE[c["start"] : c["end"]] == c["quote"]


def test_a_full_line_turns_the_next_request_away_at_once(app):
    start = threading.Barrier(3)

    def ask(question: str) -> tuple[dict[str, Any], float]:
        client = app.client()
        try:
            start.wait()
            t = time.monotonic()
            return client.predict(question, api_name="/answer"), time.monotonic() - t
        finally:
            client.close()

    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(ask, [QUESTION, OTHER, QUESTION]))
    busy = [(r, s) for r, s in outcomes if r.get("busy")]
    answered = [(r, s) for r, s in outcomes if "text" in r]
    assert (len(answered), len(busy)) == (2, 1), outcomes
    assert "try again in a moment" in busy[0][0]["error"]
    assert busy[0][1] < min(s for _, s in answered)  # it did not wait for an answer


# ------------------------------------------------------------------- the page in Chromium


def _sign_in(page, app: App, password: str) -> None:
    page.goto(app.url, wait_until="domcontentloaded")
    page.get_by_label("username").fill(USER[0])
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()


def _last_reply(page) -> str:
    return page.locator('#chat [data-testid="bot"]').last.inner_text()


@pytest.fixture(scope="module")
def page(app, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1360, "height": 900})
    page.set_default_timeout(30_000)
    _sign_in(page, app, "wrong password")
    expect(page.get_by_text("Incorrect Credentials")).to_be_visible()
    assert page.locator("#question textarea").count() == 0
    _sign_in(page, app, USER[1])
    expect(page.locator("#status")).to_contain_text("Ready", timeout=30_000)
    yield page
    page.close()


@pytest.mark.browser
def test_browser_signs_in_and_asks(page):
    page.fill("#question textarea", QUESTION)
    page.click("#send")
    page.wait_for_function(ANSWER_DONE_JS, arg=1, timeout=ANSWER_TIMEOUT_MS)
    assert "29 millions" in _last_reply(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signed-in-chat.png"))


@pytest.mark.browser
def test_browser_shows_a_waiting_question_its_place_then_the_answer(page, clients):
    from playwright.sync_api import expect

    poller, asker = clients[0], clients[1]
    answers = page.locator('#chat [data-testid="bot"]').count()
    with ThreadPoolExecutor(1) as pool:
        ahead = _ask_in_background(pool, asker, *SLOW)
        _wait_for_line(poller, answering=1, waiting=0)
        page.fill("#question textarea", QUESTION)
        page.click("#send")
        waiting = page.locator('#chat [data-testid="bot"]').last
        expect(waiting).to_contain_text("Waiting (you are next")
        page.screenshot(path=str(ARTIFACTS / "waiting.png"))
        assert "text" in ahead.result(timeout=ANSWER_TIMEOUT_MS / 1000)
    page.wait_for_function(ANSWER_DONE_JS, arg=answers + 1, timeout=ANSWER_TIMEOUT_MS)
    assert "29 millions" in _last_reply(page)


@pytest.mark.browser
def test_browser_says_busy_when_the_line_is_full(page, clients):
    from playwright.sync_api import expect

    poller, first_asker, second_asker = clients
    with ThreadPoolExecutor(2) as pool:
        first = _ask_in_background(pool, first_asker, *SLOW)
        _wait_for_line(poller, answering=1, waiting=0)
        second = _ask_in_background(pool, second_asker, OTHER)
        _wait_for_line(poller, answering=1, waiting=1)
        page.fill("#question textarea", QUESTION)
        page.click("#send")
        expect(page.locator('#chat [data-testid="bot"]').last).to_contain_text("The bot is busy")
        expect(page.locator("#question textarea")).to_have_value(QUESTION)  # ready to resend
        expect(page.locator("#question textarea")).to_be_enabled()
        page.screenshot(path=str(ARTIFACTS / "busy.png"))
        assert "text" in first.result(timeout=ANSWER_TIMEOUT_MS / 1000)
        assert "text" in second.result(timeout=ANSWER_TIMEOUT_MS / 1000)

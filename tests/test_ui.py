"""The UI's pure rendering (bot.render: Answer → Markdown/HTML) and its handlers, with fakes."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from bot import render, ui
from bot.handlers import Handlers, answer_limit
from bot.loader import BotLoader
from bot.types import Answer, BotError, Citation, Draft, Final, InvalidQuestion
from bot.waitline import Waitline

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "000_88c982e0d93ec0a5.txt"
ARTICLE = (ROOT / "corpus" / SOURCE).read_text(encoding="utf-8")
XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"


def cite(id_: int, needle: str, paragraph: int = 1) -> Citation:
    start = ARTICLE.index(needle)
    return Citation(id_, SOURCE, needle, start, start + len(needle), paragraph)


def make_answer(text: str = "Amazon veut former 29 millions de personnes [1].", **kw) -> Answer:
    defaults = dict(
        citations=[cite(1, "29 millions de personnes")],
        abstained=False,
        language="fr",
        standalone_question="Combien de personnes ?",
        model="test-model",
    )
    defaults.update(kw)
    return Answer(text=text, **defaults)


def rendered(markdown: str) -> str:
    """What a CommonMark renderer makes of it (the chat renders Markdown, then HTML)."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").render(markdown)


# ------------------------------------------------------------------- answer_to_markdown


def test_markers_are_kept_and_stand_out():
    md = render.answer_to_markdown(make_answer("Amazon forme 29 millions [1] de gens [2]."))
    assert "**[1]**" in md and "**[2]**" in md
    out = rendered(md)
    assert "<strong>[1]</strong>" in out and "<strong>[2]</strong>" in out


@pytest.mark.parametrize("evil", [XSS, SCRIPT, f"ok {XSS} [1] {SCRIPT}"])
def test_html_in_answers_and_questions_is_shown_as_text(evil):
    for md in (render.answer_to_markdown(make_answer(evil)), render.user_to_markdown(evil)):
        out = rendered(md)
        assert "<img" not in out and "<script" not in out
        assert "&lt;img" in out or "&lt;script" in out
    assert (
        html.unescape(re.sub(r"<[^>]+>", "", rendered(render.user_to_markdown(XSS)))).strip() == XSS
    )


def test_markdown_links_and_images_from_the_user_do_not_render():
    question = "[clic](http://evil.example/a) ![x](http://evil.example/x.png) www.evil.example"
    md = render.user_to_markdown(question)
    out = rendered(md)
    assert "<a " not in out and "<img" not in out
    assert "://" not in md and "www." not in md  # no bare URL left for GFM to autolink
    text = html.unescape(re.sub(r"<[^>]+>", "", out)).strip()
    assert text == question  # still shown literally


def test_latex_and_template_syntax_is_escaped():
    md = render.user_to_markdown("$$x$$ ${alert(1)} `code` *b*")
    assert "$$" not in md.replace("\\$", "")
    assert "\\*b\\*" in md and "\\`code\\`" in md


def test_abstention_looks_different_and_suggests_questions():
    answer = make_answer(
        "L’article ne le dit pas. Le passage le plus proche qu’il contient est [1] : « … »",
        abstained=True,
    )
    tips = ["Combien de personnes Amazon veut-elle former ?", "Qui est Jarred Gaines ?"]
    md = render.answer_to_markdown(answer, suggestions=tips)
    plain = render.answer_to_markdown(make_answer(), suggestions=tips)
    assert md.startswith("⊘") and not plain.startswith("⊘")
    assert "L’article ne répond pas" in md and "L’article ne répond pas" not in plain
    assert all(render.escape_markdown(q) in md for q in tips)
    assert not any(render.escape_markdown(q) in plain for q in tips)
    english = render.answer_to_markdown(
        make_answer("The article does not say.", abstained=True, language="en")
    )
    assert "The article does not answer this" in english


def test_notices_searched_and_model_are_shown():
    answer = make_answer(
        notices=["Le modèle de langue n’est pas disponible : voici les extraits."],
        standalone_question="Combien de personnes Amazon veut-elle former ?",
        model="extractive (no LLM)",
    )
    md = render.answer_to_markdown(answer, question="Et combien ?")
    assert "> ⚠ Le modèle de langue n’est pas disponible" in md
    assert "recherché: “Combien de personnes Amazon veut-elle former ?”" in md
    assert "modèle: extractive \\(no LLM\\)" in md


def test_searched_is_hidden_when_the_question_was_not_rewritten():
    answer = make_answer(standalone_question="Combien de  personnes ?")
    assert "recherché" not in render.answer_to_markdown(answer, question="combien de personnes ?")
    english = make_answer(language="en", standalone_question="How many people?")
    assert "searched: “How many people?”" in render.answer_to_markdown(english, "And how many?")


def test_draft_is_escaped_and_marked_as_unfinished():
    md = render.draft_to_markdown(f"Amazon [1] {XSS}")
    assert md.endswith("✎") and "<img" not in md and "\\[1\\]" in md


def test_error_message_is_plain_text():
    md = render.error_to_markdown(f"Bad {XSS}")
    assert md.startswith("⚠") and "<img" not in rendered(md)


# ------------------------------------------------------------------- sources and article


def test_sources_panel_lists_each_citation_with_its_control():
    answer = make_answer(citations=[cite(1, "29 millions", 1), cite(2, "Jarred Gaines", 5)])
    out = render.sources_html(answer)
    for c in answer.citations:
        assert f"[{c.id}]" in out and html.escape(c.quote) in out
        assert f'data-cite="{c.id}"' in out
    assert "paragraphe 5" in out and "Voir dans l’article" in out


def test_sources_panel_escapes_quotes_and_marks_abstentions():
    evil = Citation(1, SOURCE, XSS + "${1+1}", 0, 10, 2)
    out = render.sources_html(make_answer(citations=[evil], abstained=True, language="en"))
    assert "<img" not in out and "${" not in out and "&lt;img" in out
    assert "not an answer" in out and "paragraph 2" in out
    assert "appear here" in render.sources_html(None)
    assert "appear here" in render.sources_html(make_answer(citations=[]))


def test_article_highlight_contains_exactly_the_quote():
    c = cite(1, "il est désormais analyste de support client dans une entreprise", 5)
    out = render.article_html(ARTICLE, c.start, c.end)
    marks = re.findall(rf'<mark id="{render.MARK_ID}">(.*?)</mark>', out, flags=re.S)
    assert len(marks) == 1 and html.unescape(marks[0]) == c.quote
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == ARTICLE  # the whole article, unchanged


def test_cited_article_marks_the_quote_or_explains_why_not(tmp_path):
    c = cite(1, "Coach sportif de formation", 5).to_dict()
    out = render.cited_article_html(ROOT / "corpus", c)
    assert html.unescape(re.search(r"<mark[^>]*>(.*)</mark>", out).group(1)) == c["quote"]
    assert render.cited_article_html(ROOT / "corpus", None) == render.ARTICLE_HINT
    moved = render.cited_article_html(ROOT / "corpus", dict(c, start=c["start"] + 1))
    assert "<mark" not in moved and "changed" in moved
    missing = render.cited_article_html(tmp_path, dict(c, source="<b>gone.txt</b>"))
    assert "Unknown source" in missing and "<b>" not in missing


def test_article_is_escaped_and_bad_offsets_highlight_nothing():
    text = f"a {SCRIPT} b {XSS} c"
    out = render.article_html(text, 2, 2 + len(SCRIPT))
    assert "<script" not in out and "<img" not in out
    assert html.unescape(re.search(r"<mark[^>]*>(.*)</mark>", out).group(1)) == SCRIPT
    assert "<mark" not in render.article_html(text, 5, 500)


def test_read_source_stays_inside_the_corpus(tmp_path):
    assert render.read_source(ROOT / "corpus", SOURCE) == ARTICLE
    with pytest.raises(BotError):
        render.read_source(ROOT / "corpus", "../pyproject.toml")


# ------------------------------------------------------------------- API and feedback


def test_answer_payload_has_the_documented_fields():
    payload = render.answer_payload(make_answer())
    assert {"text", "citations", "abstained", "language"} <= payload.keys()
    assert set(payload["citations"][0]) == {"id", "source", "quote", "start", "end", "paragraph"}
    json.dumps(payload)


def test_parse_history_accepts_lists_and_json():
    msgs = [{"role": "user", "content": "Qui ?"}]
    assert render.parse_history(msgs) == msgs
    assert render.parse_history(json.dumps(msgs)) == msgs
    assert render.parse_history("") is None and render.parse_history(None) is None
    for bad in ("not json", '{"a": 1}'):
        with pytest.raises(BotError):
            render.parse_history(bad)


def test_history_for_bot_uses_raw_text_of_answered_turns():
    turns = [
        {"question": XSS, "answer": {"text": "A [1]."}},
        {"question": "", "error": "Please type a question."},
    ]
    assert render.history_for_bot(turns) == [
        {"role": "user", "content": XSS},
        {"role": "assistant", "content": "A [1]."},
    ]


# ------------------------------------------------------------------- handlers, with a fake bot


class FakeBot:
    model_name = "fake"
    notices: list[str] = []
    generator = None  # extractive, as far as the UI can tell

    def __init__(self, answer: Answer) -> None:
        self._answer = answer

    def warm_up(self) -> None:
        pass

    def stream(self, question, history=None):
        if not question.strip():
            raise InvalidQuestion("Please type a question (the input is empty).")
        if question == "boom":
            raise RuntimeError("secret traceback detail")
        yield Draft("Amazon veut")
        yield Draft("Amazon veut former [1")
        yield Final(self._answer)

    def answer(self, question, history=None):
        return list(self.stream(question, history))[-1].answer


@pytest.fixture
def handlers(settings):
    loader = BotLoader(lambda: FakeBot(make_answer())).start()
    assert loader.wait(10) is not None
    return Handlers(loader, settings, Waitline(1, settings.queue_max))


def test_respond_streams_drafts_then_the_final_answer(handlers):
    steps = list(handlers.respond("Combien ?", [], []))
    chats = [s[0][-1]["content"] for s in steps]
    assert chats[1].endswith("✎") and "modèle: fake" not in chats[1]
    assert "**[1]**" in chats[-1] and "test-model" in chats[-1]
    chat, turns, box, sources, shown, _ = steps[-2]
    assert len(chat) == 2 and turns[-1]["answer"]["text"].startswith("Amazon")
    assert 'data-cite="1"' in sources and shown[0]["quote"] == "29 millions de personnes"
    assert steps[-1][2]["interactive"] is True  # the input box is given back


@pytest.mark.parametrize("question", ["   ", "boom"])
def test_respond_shows_errors_as_messages_not_tracebacks(handlers, question):
    steps = list(handlers.respond(question, [], []))
    last = steps[-1][0][-1]["content"]
    assert last.startswith("⚠") and "Traceback" not in last and "secret" not in last
    assert "error" in steps[-1][1][-1]


def test_show_source_highlights_the_clicked_citation(handlers):
    c = cite(2, "Coach sportif de formation", 5)
    shown = [cite(1, "29 millions").to_dict(), c.to_dict()]
    evt = gr.EventData(None, {"cite": 2})
    out = handlers.show_source(shown, evt)
    assert html.unescape(re.search(r"<mark[^>]*>(.*)</mark>", out).group(1)) == c.quote
    assert "<mark" not in handlers.show_source(shown, gr.EventData(None, {"cite": 9}))
    moved = dict(c.to_dict(), start=c.start + 1)
    assert "<mark" not in handlers.show_source([moved], evt)


def test_like_appends_one_json_line_per_vote(handlers, settings):
    turns = [{"question": "Combien ?", "answer": make_answer().to_dict()}]
    for liked in (True, False):
        handlers.like(turns, gr.LikeData(None, {"index": 1, "value": "x", "liked": liked}))
    lines = settings.feedback_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["vote"] for line in lines] == ["up", "down"]
    assert json.loads(lines[0])["question"] == "Combien ?"


def test_api_answer_returns_json_or_an_error_field(handlers):
    ok = handlers.api_answer("Combien ?")
    assert ok["citations"][0]["quote"] == "29 millions de personnes"
    assert "error" in handlers.api_answer("")
    assert "error" in handlers.api_answer("Combien ?", "not json")
    assert handlers.api_answer("boom") == {
        "error": "Internal error while answering; it was logged."
    }


def test_loader_reports_a_failed_load():
    def broken():
        raise OSError("model file missing")

    loader = BotLoader(broken).start()
    assert loader.wait(10) is None
    assert "model file missing" in loader.status and loader.done


def test_create_app_builds_without_loading_models(settings, monkeypatch):
    monkeypatch.setattr(ui, "get_settings", lambda: settings)
    demo = ui.create_app(lambda: FakeBot(make_answer()))
    names = {fn.api_name for fn in demo.fns.values()}
    assert {"answer", "status"} <= names


@pytest.mark.parametrize(("llm", "limit"), [("local", 1), ("", 1), ("openai:gpt-4o-mini", 3)])
def test_answer_limit_follows_the_settings_until_the_bot_is_built(settings, llm, limit):
    assert answer_limit(settings.model_copy(update={"llm": llm, "concurrency": 3})) == limit


def test_answer_limit_of_a_built_bot_comes_from_its_generator(settings):
    local = settings.model_copy(update={"llm": "local", "concurrency": 3})

    def bot(generator):
        return SimpleNamespace(generator=generator)

    assert answer_limit(local, bot(SimpleNamespace(serialise=True))) == 1
    assert answer_limit(local, bot(SimpleNamespace(serialise=False))) == 3  # a provider
    assert answer_limit(local, bot(None)) == 3  # the local model failed: extracts only


def test_chat_and_api_answers_share_one_line_sized_by_the_llm(settings, monkeypatch):
    update = {"llm": "local", "queue_max": 7}
    monkeypatch.setattr(ui, "get_settings", lambda: settings.model_copy(update=update))

    def line(demo):
        fns = {fn.api_name: fn for fn in demo.fns.values()}
        # Gradio starts answers at once: the waitline alone decides who waits or is turned away
        assert fns["chat"].concurrency_limit is None and fns["answer"].concurrency_limit is None
        return fns["status"].fn()["queue"]

    local = line(ui.create_app(lambda: FakeBot(make_answer())))
    assert (local["slots"], local["max_waiting"]) == (1, 7)
    remote = FakeBot(make_answer())
    remote.generator = SimpleNamespace(serialise=False)
    assert line(ui.create_app(remote))["slots"] == settings.concurrency


def test_render_does_not_import_gradio():
    code = "import sys, bot.render; assert 'gradio' not in sys.modules, 'gradio imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_loader_survives_a_failed_warm_up():
    bot = FakeBot(make_answer())

    def broken_warm_up():
        raise RuntimeError("cache full")

    bot.warm_up = broken_warm_up
    loader = BotLoader(lambda: bot).start()
    assert loader.wait(10) is bot
    for _ in range(100):
        if loader.done:
            break
        time.sleep(0.05)
    assert loader.state()["ready"] and loader.status.startswith("✓ Ready")


def test_status_updates_stream_until_ready(handlers):
    assert list(handlers.status_updates())[-1].startswith("✓ Ready — model: fake")

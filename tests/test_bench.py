"""The benchmark's plumbing at a tiny size: no LLM, fake embeddings, no timing asserted."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench import report, scaling, synthetic
from bench.run import QUICK, empty_results, pick_questions

ROOT = Path(__file__).resolve().parent.parent


def test_synthetic_data_is_seeded_and_well_formed():
    a, b = synthetic.chunks(50, seed=3), synthetic.chunks(50, seed=3)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == 50
    assert all(c.context == c.text and c.end - c.start == len(c.text) for c in a)
    vecs = synthetic.unit_vectors(10)
    assert vecs.shape == (10, synthetic.DIM)
    fake = synthetic.FakeQueryEmbeddings()
    assert fake.embed_query("q") == fake.embed_query("q") != fake.embed_query("r")


def test_questions_mix_both_languages():
    questions = pick_questions(10)
    assert len(questions) == 10
    assert len(set(questions)) == 10


def test_scaling_and_report_are_written(tmp_path):
    results = empty_results(quick=True, config=QUICK)
    results["scaling"] = scaling.run([200], pick_questions(4), reps=1, progress=lambda _: None)
    paths = report.write_all(results, tmp_path)

    data = json.loads(paths["json"].read_text())
    for key in ("retrieval_p50_ms", "ttft_p50_s", "cold_start_s", "ui_ready_s", "peak_rss_mb"):
        assert key in data
    assert {"ratios", "targets", "machine", "quick", "timestamp", "git_commit"} <= data.keys()
    size = data["scaling"]["200"]
    assert size["chunks"] == 200
    assert {"ingest_s", "dense_ms", "hybrid_ms", "bm25_ms"} <= size.keys()
    assert {"p50", "p95", "n"} <= size["hybrid_ms"].keys()

    md = paths["md"].read_text()
    assert "| metric | project | textbook | ratio | target | met? |" in md
    assert "| 200 |" in md
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ratios_and_targets():
    results = {"retrieval_p50_ms": 10.0, "baseline_retrieval_p50_ms": 20.0, "ttft_p50_s": 3.0}
    assert report.ratios(results)["retrieval_p50"] == 0.5
    checked = report.targets(results)
    assert checked["retrieval_p50_ms"]["met"] is True
    assert checked["ttft_p50_s"]["met"] is False
    assert checked["answer_p50_s"]["met"] is None


def test_stage_results_flatten_and_merge():
    from bench.stages import flatten, merge

    details = {"retrieval": {"project_ms": {"p50": 1.0, "p95": 2.0}}}
    flat = flatten(details)
    assert flat["retrieval_p50_ms"] == 1.0 and flat["retrieval_p95_ms"] == 2.0
    assert "ttft_p50_s" not in flat  # its section was not measured
    merged = merge({"details": {"a": 1}, "notes": ["x"]}, flat | {"notes": ["y"]})
    assert merged["details"].keys() == {"a", "retrieval"}
    assert merged["notes"] == ["x", "y"]


def test_llm_answer_stage_with_scripted_models(make_bot, fake_embeddings, settings, tmp_path):
    """Both pipelines' answer loops and the keys they fill, on scripted chat models."""
    import dataclasses

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from bench.stages import llm_answers
    from bot.corpus import load_corpus
    from bot.llm import Generator
    from evals.textbook import Textbook

    bot = make_bot("Amazon veut former 29 millions de personnes [1].")
    model = GenericFakeChatModel(messages=iter([AIMessage("Amazon.")]))
    rag = Textbook(
        load_corpus(settings.corpus_dir),
        fake_embeddings,
        Generator(model, "fake", timeout_s=30),
        str(tmp_path / "tb"),
    )
    config = dataclasses.replace(QUICK, answer_questions=1, baseline_questions=1)
    out = llm_answers(config, pick_questions(2), bot, rag, lambda _: None, deadline=0)

    for key in ("ttft_p50_s", "answer_p50_s", "baseline_ttft_p50_s", "baseline_answer_p50_s"):
        assert out[key] is not None
    assert out["details"]["answers"]["runs"] == out["details"]["baseline_answers"]["runs"] == 1
    assert out["details"]["baseline_answers"]["samples"][0]["text"] == "Amazon."


def test_load_users_sort_replies_and_stop_at_the_end(monkeypatch):
    from bench import load

    class Client:
        calls = 0

        def predict(self, question, api_name):
            self.calls += 1
            if self.calls % 3 == 1:
                return {"text": "A [1].", "citations": []}
            if self.calls % 3 == 2:
                return {"error": "The bot is busy", "busy": True}
            raise ConnectionError("gone")

    monkeypatch.setattr(load, "BACKOFF_S", 0.01)
    end = time.monotonic() + 0.3
    runs = load._user(Client(), ["q1", "q2"], 0, end)
    assert [r["kind"] for r in runs[:3]] == ["answer", "busy", "error"]
    assert runs[2]["error"] == "ConnectionError: gone"
    assert all(r["at"] < end for r in runs)


def test_load_section_has_a_row_per_mode_and_level():
    from bench import load

    figures = {
        "requests": 12,
        "answers": 10,
        "busy_share": 0.1667,
        "throughput_per_s": 0.5,
        "latency_s": {"p50": 3.1, "p95": 9.0, "n": 10},
        "in_line_s": {"p50": 1.0, "p95": 6.0, "n": 10},
        "answering_s": {"p50": 2.0, "p95": 3.0, "n": 10},
        "busy_reply_ms": {"p50": 40.0, "p95": 80.0, "n": 2},
        "loadavg_before_after": [1.5, 2.25],
    }
    data = {"duration_s": 15.0, "backoff_s": 2.0, "modes": {}}
    for mode in ("local", "extractive"):
        levels = {str(n): figures for n in (1, 5, 20)}
        data["modes"][mode] = {"levels": levels, "app_memory_mb": {"VmHWM": 900.0}}
    text = "\n".join(load.section({"load": data}))
    assert "| local | 20 | 12 | 10 | 17% | 0.50 | 3.1 / 9.0 | 1.0 / 6.0 | 2.0 | 40.0 |" in text
    assert text.count("| extractive |") == 3 and "local 900.0 MiB" in text
    assert "local 20 → 1.5 to 2.25" in text
    assert load.section({}) == ["Not measured in this run."]


def test_burst_figures_count_outcomes_and_the_section_shows_them():
    from bench import burst_figures, load

    sessions = [
        {"user": "a", "sign_in_s": 0.5, "outcome_s": 0.6, "done_s": 9.0, "result": {"text": "A"}},
        {
            "user": "b",
            "sign_in_s": 1.0,
            "outcome_s": 1.5,
            "done_s": 1.5,
            "result": {"error": "The bot is busy", "busy": True, "retry_after_s": 12.0},
        },
        {"user": "c", "sign_in_s": 2.0, "outcome_s": 6.0, "done_s": 6.0, "result": {"error": "x"}},
        {"user": "d", "error": "sign-in: ReadTimeout: timed out"},
    ]
    f = burst_figures.figures(sessions, [0.01, 0.2, "ReadTimeout: timed out"])
    assert [burst_figures.kind(s) for s in sessions] == ["answer", "busy", "other", "error"]
    assert (f["errors"], f["timeouts"], f["answered"], f["busy"], f["other"]) == (1, 1, 1, 1, 1)
    assert f["within_bound"] == 2 and f["sign_in_max_s"] == 2.0 and f["outcome_max_s"] == 6.0
    data = {"queue_max": 3, "bursts": {"20 new accounts": f}, "loadavg_before_after": [1.0, 2.0]}
    text = "\n".join(load.section({"load": {"burst": data}}))
    assert f["reads_max_s"] == 0.2 and f["read_errors"] == ["ReadTimeout: timed out"]
    row = "| 20 new accounts | 4 | 1 | 1 | 1 | 1 | 1.0 / 1.9 / 2.0 | 5.55 / 6.0 | 9.0 / 9.0 | 0.19"
    assert row in text
    assert "BOT_QUEUE_MAX=3" in text and "load average 1.0 before, 2.0 after" in text


def test_burst_scenarios_use_distinct_accounts_except_the_shared_one():
    from bench import burst

    named = dict(burst.scenarios())
    assert list(named) == [
        "20 new accounts",
        "50 on one account",
        "50 new accounts",
        "50 accounts again",
    ]
    assert len(set(named["20 new accounts"] + named["50 new accounts"])) == 70
    assert len(set(named["50 on one account"])) == 1
    assert named["50 accounts again"] == named["50 new accounts"]
    used = {a for team in named.values() for a in team}
    assert used <= set(burst.accounts(0, burst.ACCOUNTS)) and burst.accounts(0, 1)[0] not in used

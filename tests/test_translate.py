"""Translations of the article's sentences: the checks, the cache, the choice among
candidates, and the reference set the shipped translations are measured against."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from bot.llm import Generator
from bot.translate import (
    Translator,
    check,
    english_dates,
    mask_numbers,
    names_kept,
    unmask_numbers,
)


def test_translation_checks() -> None:
    fr = "Amazon a engagé 700 millions de dollars pour 100 000 employés d’ici 2025."
    assert check(fr, "Amazon committed $700 million for 100,000 employees by 2025.") == ()
    assert any(
        "added" in p
        for p in check(fr, "Amazon committed $70 billion for 100,000 employees by 2025.")
    )
    assert "changed 'd'ici' 2025" in check(
        fr, "Amazon committed $700 million for 100,000 employees from 2025."
    )
    neg = "Elles n’obtiendront pas forcément un poste."
    assert "negation changed" in check(neg, "They will necessarily get a job.")
    assert english_dates("former d’ici 2025") == "former by 2025"
    masked, values = mask_numbers("de 100,000 personnes en 2020")
    assert masked == "de <N1> personnes en <N2>" and unmask_numbers(masked, values) == (
        "de 100,000 personnes en 2020"
    )


def _writer(calls: list) -> Generator:
    """A model that always writes the same translation and records what it was given."""

    class Writer(Generator):
        def complete(self, messages, max_tokens=None, **options):
            calls.append(messages)
            return "The course lasted 12 weeks."

    return Writer(GenericFakeChatModel(messages=iter([])), "w", timeout_s=5)


def test_translations_are_cached_per_sentence(settings, tmp_path: Path) -> None:
    calls = []
    t = Translator(_writer(calls), tmp_path / "t.json", settings.prompts_dir)
    assert t.get("Le cours a duré 12 semaines.").text == "The course lasted 12 weeks."
    again = Translator(_writer(calls), tmp_path / "t.json", settings.prompts_dir)
    assert again.get("Le cours a duré 12 semaines.").ok and len(calls) == 1


def test_without_a_model_any_models_checked_translation_is_used(settings, tmp_path) -> None:
    """Extractive mode (or an LLM that failed to load) reads the translations on disk."""
    calls = []
    cache = tmp_path / "t.json"
    Translator(_writer(calls), cache, settings.prompts_dir).get("Le cours a duré 12 semaines.")
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["other model"] = {Translator.key("Une phrase."): {"text": "Bad.", "problems": ["x"]}}
    cache.write_text(json.dumps(data), encoding="utf-8")
    plain = Translator(None, cache, settings.prompts_dir)
    assert plain.get("Le cours a duré 12 semaines.").text == "The course lasted 12 weeks."
    assert plain.get("Une phrase.") is None and len(calls) == 1


def test_translations_are_kept_per_prompt_wording(settings, tmp_path: Path) -> None:
    calls = []
    other = tmp_path / "prompts"
    shutil.copytree(settings.prompts_dir, other)
    (other / "translate.md").write_text(
        (other / "translate.md").read_text(encoding="utf-8") + "\nKeep it short.", "utf-8"
    )
    cache = tmp_path / "t.json"
    first = Translator(_writer(calls), cache, settings.prompts_dir)
    second = Translator(_writer(calls), cache, other)
    assert first.scope != second.scope
    assert first.get("Le cours a duré 12 semaines.").ok and len(calls) == 1
    assert second.get("Le cours a duré 12 semaines.").ok and len(calls) == 2
    assert "Keep it short." in str(calls[-1][0].content) + str(calls[-1][-1].content)


def test_a_translation_short_of_a_clause_is_searched_never_shown(settings, tmp_path) -> None:
    cache = tmp_path / "t.json"
    sentence = "Des firmes proposant des services cloud tels que Zoom ont remarqué une croissance."
    entries = {
        Translator.key(sentence): {"text": "Firms such as Zoom grew.", "problems": ["length"]},
        Translator.key("Une phrase."): {"text": "Bad 3.", "problems": ["added 3", "length"]},
    }
    cache.write_text(json.dumps({"some model": entries}), encoding="utf-8")
    plain = Translator(None, cache, settings.prompts_dir)
    short = plain.get(sentence)
    assert short is not None and short.searchable and not short.ok
    assert plain.get("Une phrase.") is None  # its facts do not check: not even searched


def test_references_cover_the_article_as_split_and_keep_its_facts() -> None:
    from bot.corpus import load_corpus
    from bot.split import split_document
    from evals.translations import references

    refs = references()
    chunks = split_document(load_corpus(Path("corpus"))[0])
    assert [r["fr"] for r in refs if r["kind"] == "sentence"] == [c.text for c in chunks]
    for ref in refs:  # written by hand: facts, names and negation as in the French
        assert [p for p in check(ref["fr"], ref["en"]) if p != "length"] == []


def test_the_measure_scores_what_a_reader_is_shown(tmp_path: Path) -> None:
    from evals.translations import overall, scope_entries, score

    fr = "Le cours a duré 12 semaines."
    refs = [{"kind": "sentence", "fr": fr, "en": "The course lasted 12 weeks."}]
    cache = tmp_path / "t.json"
    entry = {"text": "The course lasted 12 weeks.", "problems": []}
    cache.write_text(json.dumps({"m": {Translator.key(fr): entry}}), encoding="utf-8")
    rows = score(refs, scope_entries(cache, "m"))
    assert rows[0].chrf == 100.0 and overall(rows) == 100.0
    entry["problems"] = ["added 3"]  # a translation that fails its checks is never shown
    cache.write_text(json.dumps({"m": {Translator.key(fr): entry}}), encoding="utf-8")
    assert score(refs, scope_entries(cache, "m"))[0].shown == fr


def test_a_name_that_starts_the_sentence_must_survive(settings, tmp_path: Path) -> None:
    """A capital that starts a sentence is not taken for a name, so "Marsh said" becoming
    "Marshall a dit" passed every check; the article's own names catch it, as a whole word,
    in new translations and in ones read from an older cache."""
    names = frozenset({"marsh", "helen", "etats-unis"})
    source = "Marsh said that 60% of places would go to people over 40."
    assert check(
        source, "Marshall a dit que 60% des places iraient aux plus de 40 ans.", ("en", "fr"), names
    ) == ("lost marsh",)
    assert (
        check(
            source,
            "Marsh a dit que 60% des places iraient aux plus de 40 ans.",
            ("en", "fr"),
            names,
        )
        == ()
    )
    assert (
        check(source, "Marshall a dit que 60% des places iraient aux plus de 40 ans.", ("en", "fr"))
        == ()
    )
    french = "Etats-Unis : Amazon forme 29 millions de personnes."
    assert check(french, "United States: Amazon trains 29 million people.", names=names) == ()

    cache = tmp_path / "t.json"
    entry = {
        "text": "Marshall a dit que 60% des places iraient aux plus de 40 ans.",
        "problems": [],
    }
    cache.write_text(json.dumps({"some model en→": {Translator.key(source): entry}}), "utf-8")
    older = Translator(None, cache, settings.prompts_dir, source="en", names=names)
    assert older.get(source) is None  # not shown, and not searched either


def test_the_measure_reads_the_cache_as_the_bot_does(tmp_path: Path) -> None:
    """A translation that lost the name its sentence starts with is shown to nobody, so the
    measure scores the French sentence in its place, as an English reader would see it."""
    from evals.translations import article_names, scope_entries, score

    source = "Marsh said that 60% of places would go to people over 40."
    refs = [{"kind": "sentence", "fr": source, "en": "Marsh a dit que 60 % des places…"}]
    entry = {
        "text": "Marshall a dit que 60% des places iraient aux plus de 40 ans.",
        "problems": [],
    }
    cache = tmp_path / "t.json"
    cache.write_text(json.dumps({"m": {Translator.key(source): entry}}), encoding="utf-8")
    assert score(refs, scope_entries(cache, "m"))[0].shown == entry["text"]
    row = score(refs, scope_entries(cache, "m"), frozenset({"marsh"}))[0]
    assert row.shown == source and row.problems == ("lost marsh",)
    assert {"jarred", "gaines", "carlson"} <= article_names(Path("corpus"))


def test_names_kept_by_a_translation() -> None:
    fr = "« C’est la bonne chose à faire », explique Teresa Carlson, vice-présidente d’AWS."
    kept = names_kept(fr, "“It is the right thing to do,” says Teresa Carlson, VP of AWS.")
    assert kept == {"teresa", "carlson", "aws"}
    assert names_kept(fr, "“It is the right thing to do.”") == set()

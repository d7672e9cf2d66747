from pathlib import Path

import pytest

from bot.corpus import load_corpus, load_document
from bot.split import clauses, phrase_runs, runs, split_document
from bot.types import CorpusError


def test_header_is_metadata_not_content(corpus_dir: Path) -> None:
    (doc,) = load_corpus(corpus_dir)
    assert doc.metadata["date"] == "2020-12-10"
    assert doc.metadata["language"] == "fr"
    assert doc.text[doc.body_start :].startswith("Ce jeudi 10 décembre 2020")
    assert all("date 2020-12" not in c.text for c in split_document(doc))


def test_chunks_are_verbatim_spans_with_paragraphs(corpus_dir: Path) -> None:
    (doc,) = load_corpus(corpus_dir)
    raw = (corpus_dir / doc.source).read_text(encoding="utf-8")
    chunks = split_document(doc)
    assert len(chunks) >= 10
    for c in chunks:
        assert raw[c.start : c.end] == c.text
    assert [c.paragraph for c in chunks] == sorted(c.paragraph for c in chunks)
    assert {c.paragraph for c in chunks} == {1, 2, 3, 4, 5}
    assert any("’" in c.text for c in chunks)  # typographic apostrophes kept
    gaines = [c for c in chunks if "35 ans" in c.text]
    assert len(gaines) == 1 and gaines[0].paragraph == 5


def test_a_long_sentence_can_be_quoted_by_the_sentences_it_quotes(corpus_dir: Path) -> None:
    (doc,) = load_corpus(corpus_dir)
    chunks = split_document(doc)
    (long,) = [c for c in chunks if len(c.text) > 300]  # one chunk: retrieval is unchanged
    pieces = [long.text[s:e] for s, e in clauses(long.text)]
    assert [p[:12] for p in pieces] == [
        "La firme de ",
        "« Quand on p",
        "Nous le voyo",
        "Nos clients ",
    ]
    assert pieces[0].endswith("dans le domaine du cloud :")
    assert pieces[-1].endswith("vice-présidente d’Amazon Web Services.")
    assert all(c.text[s:e] == c.text for c in chunks if c is not long for s, e in clauses(c.text))


def test_a_long_sentence_can_be_quoted_by_any_run_of_its_pieces(corpus_dir: Path) -> None:
    (doc,) = load_corpus(corpus_dir)
    (long,) = [c for c in split_document(doc) if len(c.text) > 300]
    pieces = clauses(long.text)
    found = runs(long.text)
    assert len(found) == len(pieces) * (len(pieces) + 1) // 2
    assert (0, len(long.text)) in found and set(pieces) <= set(found)
    assert (pieces[1][0], pieces[3][1]) in found  # "« Quand on passe … Amazon Web Services."
    assert runs("Une phrase courte.") == [(0, len("Une phrase courte."))]


def test_a_fact_sentence_can_be_quoted_by_its_opening_or_closing_phrases() -> None:
    text = (
        "Grâce à des programmes déjà existants ainsi que de nouveaux partenariats avec des ONG, "
        "l’entreprise souhaite offrir gratuitement aux gens une formation de 1,5 mois au cloud."
    )
    found = [text[s:e] for s, e in phrase_runs(text)]
    assert found == [  # the comma is left out of the opening run; "1,5" is not cut
        "Grâce à des programmes déjà existants ainsi que de nouveaux partenariats avec des ONG",
        "l’entreprise souhaite offrir gratuitement aux gens une formation de 1,5 mois au cloud.",
    ]
    relative = (
        "La nouvelle annonce concerne quant à elle 29 millions de personnes à travers le monde, "
        "qui ne sont pas employés par ce dernier."
    )
    # "qui ne sont pas employés…" alone would lose what it is said of.
    assert [relative[s:e] for s, e in phrase_runs(relative)] == [relative[: relative.index(",")]]
    quoted = (
        "« Nous le voyons partout dans nos équipes, et c’est la bonne chose à faire », "
        "explique Teresa Carlson, vice-présidente d’Amazon Web Services."
    )
    assert (
        [quoted[s:e] for s, e in phrase_runs(quoted)]
        == [  # no run splits the quotation
            quoted[: quoted.index("», ") + 1] + ", explique Teresa Carlson",
            "vice-présidente d’Amazon Web Services.",
        ]
    )
    assert phrase_runs("Une phrase sans virgule, courte.") == []  # "courte." joins its phrase


def test_abbreviations_do_not_end_a_quoted_sentence() -> None:
    text = "Selon M. Dupont, qui dirige l’U.S. Army Corps à Paris, " * 6 + "tout va bien."
    assert len(text) > 300 and clauses(text) == [(0, len(text))]


def test_chunk_ids_are_content_hashes(corpus_dir: Path) -> None:
    (doc,) = load_corpus(corpus_dir)
    a = [c.id for c in split_document(doc)]
    assert a == [c.id for c in split_document(doc)]
    assert len(set(a)) == len(a)


def test_unreadable_file_is_named(corpus_dir: Path) -> None:
    (corpus_dir / "broken.txt").write_bytes(b"caf\xe9 \xff\xfe")
    with pytest.raises(CorpusError, match="broken.txt"):
        load_corpus(corpus_dir)


def test_symlink_outside_corpus_is_refused(corpus_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    (corpus_dir / "link.txt").symlink_to(outside)
    with pytest.raises(CorpusError, match="outside"):
        load_corpus(corpus_dir)
    with pytest.raises(CorpusError):
        load_document(corpus_dir / ".." / "secret.txt", corpus_dir)


def test_markdown_documents_are_indexed_too(corpus_dir: Path) -> None:
    (corpus_dir / "notes.md").write_text(
        "# Notes\n\nUne autre phrase sur le cloud.", encoding="utf-8"
    )
    docs = load_corpus(corpus_dir)
    assert {d.source for d in docs} == {"000_88c982e0d93ec0a5.txt", "notes.md"}

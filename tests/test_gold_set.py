"""Sanity checks for the evaluation gold set (eval/gold.jsonl).

Stdlib + pytest only: no network, no model. The article is read from
corpus/000_88c982e0d93ec0a5.txt (repo root) if present, otherwise from
/work/shared/corpus/000_88c982e0d93ec0a5.txt.
"""

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTICLE_NAME = "000_88c982e0d93ec0a5.txt"
ARTICLE_CANDIDATES = [
    REPO_ROOT / "corpus" / ARTICLE_NAME,
    Path("/work/shared/corpus") / ARTICLE_NAME,
]
N_PARAGRAPHS = 5

CATEGORIES = {
    "single",
    "number",
    "multihop",
    "career",
    "followup",
    "adversarial",
    "injection",
    "unanswerable_absent",
    "unanswerable_offtopic",
    "unanswerable_after2020",
    "yesno",
    "multisentence",
    "situation",
}
UNANSWERABLE_CATEGORIES = {c for c in CATEGORIES if c.startswith("unanswerable_")}
FIELDS = {
    "id": str,
    "lang": str,
    "category": str,
    "question": str,
    "history": list,
    "answerable": bool,
    "key_facts": list,
    "forbidden": list,
    "paragraphs": list,
}

OPTIONAL = {"note", "yesno", "needs_unknowns", "unknowns", "about_asker"}

# Key facts that are computed from the article rather than quoted from it; a key-fact
# group that is not found verbatim in its supporting paragraphs must contain one of these.
# test_derived_facts_follow_from_the_article computes each from the article's own numbers.
DERIVED_FACTS = ("290", "5 ans", "5 years", "2019", "7 000")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    text = re.sub(r"\s+", " ", text)
    return text.casefold()


def _article_path() -> Path:
    for path in ARTICLE_CANDIDATES:
        if path.is_file():
            return path
    pytest.skip("article file not found")


def _derive(raw: str) -> dict[str, str]:
    """The derived facts, from the numbers the article states."""
    text = _norm(raw)
    people = int(re.search(r"(\d+) millions de personnes", text)[1]) * 1_000_000
    staff = int(re.search(r"(\d+) (\d{3}) de ses propres employés", text).expand(r"\1\2"))
    announced = int(re.search(r"ce jeudi \d+ décembre (\d{4})", text)[1])
    target = int(re.search(r"d'ici (\d{4})", text)[1])
    published = int(re.match(r"\s*date (\d{4})-\d{2}", text)[1])
    last_year = "l'année dernière" in text  # the $700M programme, dated from publication
    spent = int(re.search(r"(\d+) millions de dollars", text)[1]) * 1_000_000
    return {
        "290": str(people // staff),  # the 29 million to train, per employee retrained
        "5 ans": f"{target - announced} ans",  # announcement to target
        "5 years": f"{target - announced} years",
        "2019": str(published - 1) if last_year else "",
        "7 000": f"{spent // staff // 1000} 000",  # dollars per employee retrained
    }


@pytest.fixture(scope="module")
def paragraphs():
    raw = _article_path().read_text(encoding="utf-8")
    raw = re.sub(r"^\s*date\s+\d{4}-\d{2}\s+", "", raw, count=1)
    paras = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
    assert len(paras) == N_PARAGRAPHS
    assert paras[0].startswith("Ce jeudi 10 décembre 2020")
    return paras


# The development set, the first held-out set, and the smaller held-out sets written since.
SMALL_SETS = tuple(f"holdout{n}.jsonl" for n in range(2, 15))
SETS = ("gold.jsonl", "holdout.jsonl", *SMALL_SETS)


@pytest.fixture(scope="module", params=SETS)
def cases(request):
    path = REPO_ROOT / "eval" / request.param
    assert path.is_file(), path
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover
                pytest.fail(f"line {lineno}: invalid JSON: {exc}")
    return out


def test_derived_facts_follow_from_the_article():
    raw = _article_path().read_text(encoding="utf-8")
    assert _derive(raw) == {fact: fact for fact in DERIVED_FACTS}
    quoted = [f for f in DERIVED_FACTS if re.search(rf"(?<!\w){_norm(f)}(?!\w)", _norm(raw))]
    assert not quoted  # derived, not stated


# Minimum sizes: (cases, not answerable, in unanswerable_* categories). holdout2.jsonl to
# holdout13.jsonl are smaller held-out sets (44 to 58 cases), checked against their own minimums.
MIN_SIZES = {name: (40, 10, 10) for name in SMALL_SETS}
DEFAULT_MIN_SIZES = (60, 15, 16)


def _min_sizes(request) -> tuple[int, int, int]:
    return MIN_SIZES.get(request.node.callspec.params["cases"], DEFAULT_MIN_SIZES)


def test_minimum_size(cases, request):
    n_cases, n_unanswerable, _ = _min_sizes(request)
    assert len(cases) >= n_cases
    assert sum(1 for c in cases if not c["answerable"]) >= n_unanswerable


def test_unique_ids(cases):
    dupes = [i for i, n in Counter(c["id"] for c in cases).items() if n > 1]
    assert not dupes, dupes


def test_schema_and_types(cases):
    for c in cases:
        cid = c.get("id", "?")
        for field, typ in FIELDS.items():
            assert field in c, f"{cid}: missing {field}"
            assert isinstance(c[field], typ), f"{cid}: {field} must be {typ.__name__}"
        assert set(c) <= set(FIELDS) | OPTIONAL, f"{cid}: unexpected fields {set(c) - set(FIELDS)}"
        if c["category"] == "yesno":
            assert c["yesno"] in {"yes", "no", "not_stated"}, cid
            assert c["answerable"] == (c["yesno"] != "not_stated"), cid
        if c["category"] == "situation":
            assert isinstance(c["needs_unknowns"], bool), cid
            assert bool(c.get("unknowns")) == c["needs_unknowns"], cid
        if "note" in c:
            assert isinstance(c["note"], str)
        assert c["id"].strip() and c["question"].strip()
        assert c["lang"] in {"fr", "en"}, cid
        assert c["category"] in CATEGORIES, cid
        for group in c["key_facts"]:
            assert isinstance(group, list) and group, f"{cid}: empty key-fact group"
            assert all(isinstance(a, str) and a.strip() for a in group), cid
        assert all(isinstance(f, str) and f.strip() for f in c["forbidden"]), cid
        for p in c["paragraphs"]:
            assert isinstance(p, int) and not isinstance(p, bool), cid
            assert 1 <= p <= N_PARAGRAPHS, f"{cid}: paragraph {p} out of range"
        for turn in c["history"]:
            assert isinstance(turn, dict) and set(turn) == {"role", "content"}, cid
            assert turn["role"] in {"user", "assistant"}, cid
            assert isinstance(turn["content"], str) and turn["content"].strip(), cid


def test_answerability_consistency(cases):
    for c in cases:
        cid = c["id"]
        if c["answerable"]:
            assert c["key_facts"], f"{cid}: answerable case needs key facts"
            assert c["paragraphs"], f"{cid}: answerable case needs supporting paragraphs"
            assert c["category"] not in UNANSWERABLE_CATEGORIES, cid
        else:
            assert c["key_facts"] == [], f"{cid}: unanswerable case must have no key facts"
        if c["category"] in UNANSWERABLE_CATEGORIES:
            assert not c["answerable"], cid
        if c["category"] == "unanswerable_offtopic":
            assert c["paragraphs"] == [], cid


def test_history_only_for_followups(cases):
    for c in cases:
        if c["category"] == "followup" or (c["category"] == "situation" and c["history"]):
            h = c["history"]
            assert h, f"{c['id']}: followup needs history"
            assert 2 <= len(h) <= 4, f"{c['id']}: history should be 1-2 turns"
            assert h[0]["role"] == "user", c["id"]
            assert h[-1]["role"] == "assistant", c["id"]
            for prev, nxt in zip(h, h[1:], strict=False):
                assert prev["role"] != nxt["role"], f"{c['id']}: roles must alternate"
        else:
            assert c["history"] == [], f"{c['id']}: only followups carry history"


def test_both_languages_in_each_category(cases):
    langs = {}
    for c in cases:
        langs.setdefault(c["category"], set()).add(c["lang"])
    assert set(langs) <= CATEGORIES, set(langs) - CATEGORIES
    for cat, seen in langs.items():
        assert seen == {"fr", "en"}, f"{cat}: languages {seen}"


def test_unanswerable_coverage(cases, request):
    n = Counter(c["category"] for c in cases)
    assert sum(n[c] for c in UNANSWERABLE_CATEGORIES) >= _min_sizes(request)[2]


def test_language_balance(cases):
    n = Counter(c["lang"] for c in cases)
    assert abs(n["fr"] - n["en"]) <= 0.2 * len(cases)


def test_key_facts_grounded_in_paragraphs(cases, paragraphs):
    """Each key-fact group of an answerable case has at least one alternative
    in the article's own wording that occurs in its supporting paragraphs
    (or is one of the few whitelisted, arithmetically checked derived facts)."""
    derived = {_norm(k) for k in DERIVED_FACTS}
    problems = []
    for c in cases:
        if not c["answerable"]:
            continue
        support = _norm(" ".join(paragraphs[p - 1] for p in c["paragraphs"]))
        for group in c["key_facts"]:
            if any(_norm(alt) in support for alt in group):
                continue
            if any(_norm(alt) in derived for alt in group):
                continue
            problems.append((c["id"], group[:4]))
    assert not problems, problems


def test_forbidden_not_in_key_facts(cases):
    for c in cases:
        alts = {_norm(a) for g in c["key_facts"] for a in g}
        for f in c["forbidden"]:
            assert _norm(f) not in alts, f"{c['id']}: {f!r} is both required and forbidden"


def test_forbidden_claims_absent_from_supporting_text(cases, paragraphs):
    """A forbidden string must not be something the article itself states
    in the paragraphs cited for the case."""
    for c in cases:
        if not c["paragraphs"]:
            continue
        support = _norm(" ".join(paragraphs[p - 1] for p in c["paragraphs"]))
        for f in c["forbidden"]:
            assert _norm(f) not in support, f"{c['id']}: forbidden {f!r} occurs in the article"


# ------------------------------------------------------------------ the other articles

ARTICLES = sorted((REPO_ROOT / "eval" / "articles").glob("*/cases.jsonl"))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.parent.name)
def test_another_articles_cases_follow_the_schema_and_its_text(path: Path) -> None:
    """Each other article's cases: the same schema, paragraphs of that article, and key facts
    in its own words (multihop cases may compute theirs)."""
    raw = (path.parent / "article.txt").read_text(encoding="utf-8")
    assert re.match(r"\s*date\s+\d{4}-\d{2}\s", raw)  # dated like the first article
    body = re.sub(r"^\s*date\s+\d{4}-\d{2}\s+", "", raw, count=1)
    paras = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(cases) >= 40 and len({c["id"] for c in cases}) == len(cases)
    assert sum(not c["answerable"] for c in cases) >= len(cases) // 3
    problems = []
    for c in cases:
        assert set(FIELDS) <= set(c) and set(c) <= set(FIELDS) | OPTIONAL, c["id"]
        assert c["category"] in CATEGORIES and c["lang"] in {"fr", "en"}, c["id"]
        assert all(1 <= p <= len(paras) for p in c["paragraphs"]), c["id"]
        assert bool(c["key_facts"]) == c["answerable"], c["id"]
        support = _norm(" ".join(paras[p - 1] for p in c["paragraphs"]))
        for group in c["key_facts"]:
            if c["category"] != "multihop" and not any(_norm(a) in support for a in group):
                problems.append((c["id"], group[:3]))
    assert not problems, problems

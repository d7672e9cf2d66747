"""Write the results: JSON (everything), a markdown table, and the scaling plot."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load

BIG = "100000"  # the corpus size the 20 ms target is about
RATIOS = {  # ratio name → (project key, textbook key); < 1 means the project is faster/leaner
    "retrieval_p50": ("retrieval_p50_ms", "baseline_retrieval_p50_ms"),
    "retrieval_p95": ("retrieval_p95_ms", "baseline_retrieval_p95_ms"),
    "ttft_p50": ("ttft_p50_s", "baseline_ttft_p50_s"),
    "ttft_p95": ("ttft_p95_s", "baseline_ttft_p95_s"),
    "answer_p50": ("answer_p50_s", "baseline_answer_p50_s"),
    "answer_p95": ("answer_p95_s", "baseline_answer_p95_s"),
    "cold_start": ("cold_start_s", "baseline_cold_start_s"),
    "ingest_chunks_per_s": ("ingest_chunks_per_s", "baseline_ingest_chunks_per_s"),
    "peak_rss": ("peak_rss_mb", "baseline_peak_rss_mb"),
}


def get(results: dict[str, Any], path: str) -> Any:
    """``results["a"]["b"]`` for path "a.b"; None when any step is missing."""
    node: Any = results
    for part in path.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return None
        node = node[part]
    return node


def ratio(a: Any, b: Any) -> float | None:
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    return round(a / b, 3) if numbers and b else None


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    return {name: ratio(results.get(p), results.get(t)) for name, (p, t) in RATIOS.items()}


def _at_most(limit: float) -> Callable[[Any, Any], bool]:
    return lambda value, _: value <= limit


def _at_least(limit: float) -> Callable[[Any, Any], bool]:
    return lambda value, _: value >= limit


@dataclass(frozen=True)
class Row:
    label: str
    project: str  # path into the results
    textbook: str | None = None
    target: str = "–"
    check: Callable[[Any, Any], bool] | None = None


ROWS = [
    Row("retrieval p50 (ms, incl. query embedding)", "retrieval_p50_ms",
        "baseline_retrieval_p50_ms", "≤ textbook", lambda p, t: t is not None and p <= t),
    Row("retrieval p95 (ms)", "retrieval_p95_ms", "baseline_retrieval_p95_ms"),
    Row("query embedding alone p50 (ms)", "query_embed_p50_ms"),
    Row("query embedding alone p50, torch on 1 thread (ms)", "query_embed_1_thread_p50_ms"),
    Row(f"retrieval p50 at {int(BIG):,} chunks (ms, store+BM25; textbook = dense store query)",
        f"scaling.{BIG}.hybrid_ms.p50", f"scaling.{BIG}.dense_ms.p50", "≤ 20 ms", _at_most(20)),
    Row(f"retrieval p95 at {int(BIG):,} chunks (ms)", f"scaling.{BIG}.hybrid_ms.p95",
        f"scaling.{BIG}.dense_ms.p95"),
    Row("first visible text p50 (s)", "ttft_p50_s", "baseline_ttft_p50_s", "≤ 1.0 s",
        _at_most(1.0)),
    Row("first visible text p95 (s)", "ttft_p95_s", "baseline_ttft_p95_s"),
    Row("answer p50 (s)", "answer_p50_s", "baseline_answer_p50_s", "≤ 2.0 s", _at_most(2.0)),
    Row("answer p95 (s)", "answer_p95_s", "baseline_answer_p95_s"),
    Row("advice answer, first visible p50 (s)", "advice_first_p50_s", None, "≤ 1.5 s",
        _at_most(1.5)),
    Row("advice answer p50 (s)", "advice_answer_p50_s", None, "≤ 6 s", _at_most(6)),
    Row("advice answer longest (chars)", "advice_chars_max", None, "≤ 1,200", _at_most(1200)),
    Row("extractive answer p50 (ms)", "extractive_p50_ms", None, "≤ 50 ms", _at_most(50)),
    Row("extractive answer p95 (ms)", "extractive_p95_ms"),
    Row("cold start → first answer (s)", "cold_start_s", "baseline_cold_start_s"),
    Row("cold start → UI ready (s)", "ui_ready_s", None, "≤ 10 s", _at_most(10)),
    Row("ingestion, embed + add (chunks/s)", "ingest_chunks_per_s",
        "baseline_ingest_chunks_per_s", "≥ 100", _at_least(100)),
    Row("peak RSS, cold-start process (MiB)", "peak_rss_mb", "baseline_peak_rss_mb",
        "≤ 2560 (2.5 GiB)", _at_most(2560)),
    Row("peak RSS, this bench process (MiB, both pipelines)", "bench_peak_rss_mb"),
]  # fmt: skip


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target: the project's value and whether it is met (None when not measured)."""
    out = {}
    for row in ROWS:
        if row.check is None:
            continue
        value, other = get(results, row.project), get(results, row.textbook or "")
        met = None if value is None else bool(row.check(value, other))
        out[row.project] = {"target": row.target, "value": value, "met": met}
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def _met(row: Row, results: dict[str, Any]) -> str:
    if row.check is None:
        return ""
    value = get(results, row.project)
    if value is None:
        return "not measured"
    return "yes" if row.check(value, get(results, row.textbook or "")) else "**no**"


def table(results: dict[str, Any]) -> list[str]:
    lines = ["| metric | project | textbook | ratio | target | met? |", "|---|---|---|---|---|---|"]
    for row in ROWS:
        p, t = get(results, row.project), get(results, row.textbook or "")
        cells = [row.label, _fmt(p), _fmt(t), _fmt(ratio(p, t)), row.target, _met(row, results)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def scaling_table(scaling: dict[str, Any]) -> list[str]:
    lines = [
        "| chunks | ingest (s) | ingest (chunks/s) | dense p50 / p95 (ms) | hybrid p50 / p95 (ms)"
        " | BM25 alone p50 (ms) | first hybrid query, builds BM25 (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, s in scaling.items():
        d, h = s["dense_ms"], s["hybrid_ms"]
        lines.append(
            f"| {int(size):,} | {s['ingest_s']:.1f} | {s['ingest_chunks_per_s']:,.0f} "
            f"| {d['p50']:.1f} / {d['p95']:.1f} | {h['p50']:.1f} / {h['p95']:.1f} "
            f"| {s['bm25_ms']['p50']:.1f} | {s['first_hybrid_s']:.2f} |"
        )
    return lines


def evidence(results: dict[str, Any]) -> list[str]:
    """Where the time and memory go, from the details the run collected."""
    d = results.get("details", {})
    tokens = d.get("prompt_tokens", {})
    lines = [
        f"- Build {_fmt(results.get('build_s'))} s, warm-up {_fmt(results.get('warm_up_s'))} s "
        "(reads the cached system prompt).",
        f"- Prompt tokens the LLM reads per question: project "
        f"{_fmt(get(tokens, 'project_per_question.p50'))} (after a cached prefix of "
        f"{_fmt(get(tokens, 'project_cached_system.p50'))}), textbook "
        f"{_fmt(get(tokens, 'textbook_per_question.p50'))} (no cache).",
        f"- Ingestion: embedding alone runs at "
        f"{_fmt(get(d, 'ingestion.embed_only_chunks_per_s'))} chunks/s.",
        "- Cold-start runs (s, MiB, answered by): "
        + "; ".join(
            f"{_fmt(r.get('answer_s'))} s, {_fmt(r.get('rss_mb'))} MiB, {r.get('model', '?')}"
            for r in d.get("cold_start", [])
            if "error" not in r
        ),
    ]
    return lines


def markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    kind = "quick" if results.get("quick") else "full"
    head = [
        f"# Benchmark ({kind} run, {results.get('timestamp')})",
        "",
        f"{m.get('cpu_count')} CPUs, load average at start {m.get('loadavg')}, Python "
        f"{m.get('python')}, torch {m.get('torch')}, commit {results.get('git_commit')}. "
        f"Ratio = project / textbook. Run took {_fmt(results.get('duration_s'))} s.",
        "",
    ]
    notes = [f"- {n}" for n in results.get("notes", [])] + evidence(results)
    body = table(results) + ["", "## Scaling (synthetic chunks, precomputed vectors)", ""]
    body += scaling_table(results.get("scaling", {})) + ["", "## Load", ""] + load.section(results)
    return "\n".join(head + body + ["", "## Notes", ""] + notes + [""])


def plot_scaling(scaling: dict[str, Any], path: Path) -> None:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [int(n) for n in scaling]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label, color in (("hybrid_ms", "project hybrid (store + BM25)", "C0"),
                              ("dense_ms", "dense store query only", "C1")):  # fmt: skip
        for stat, style in (("p50", "-o"), ("p95", "--s")):
            values = [scaling[str(n)][key][stat] for n in sizes]
            ax.plot(sizes, values, style, color=color, label=f"{label} {stat}")
    ax.axhline(20, color="grey", linestyle=":", label="target 20 ms")
    ax.set(xscale="log", yscale="log", xlabel="chunks in the store", ylabel="latency (ms)")
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("Retrieval latency vs corpus size (query embedding excluded)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_all(results: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """latest.json, latest.md and (with scaling data) scaling.png in ``out_dir``, plus copies
    named for the kind of run (quick.* / full.*) so the last run of each kind is kept."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = results | {"ratios": ratios(results), "targets": targets(results)}
    kind = "quick" if results.get("quick") else "full"
    text = {
        "json": json.dumps(results, indent=2, ensure_ascii=False) + "\n",
        "md": markdown(results),
    }
    paths = {}
    for ext, content in text.items():
        paths[ext] = out_dir / f"latest.{ext}"
        paths[ext].write_text(content)
        (out_dir / f"{kind}.{ext}").write_text(content)
    if results.get("scaling"):
        paths["png"] = out_dir / "scaling.png"
        plot_scaling(results["scaling"], paths["png"])
        plot_scaling(results["scaling"], out_dir / f"scaling-{kind}.png")
    return paths


if __name__ == "__main__":  # re-render the markdown and plots from a results JSON
    import sys

    out = Path(__file__).resolve().parent / "results"
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else out / "latest.json"
    write_all(json.loads(source.read_text()), out)

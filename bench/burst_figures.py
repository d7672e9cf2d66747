"""The figures of a burst of signed-in users (bench/burst.py): what each session got, counts,
sign-in, reply and read times, and their table in the benchmark report."""

from __future__ import annotations

from typing import Any

from bench.stats import summary

BOUND_S = 5.0  # issue 21: every client answered or told busy within this of connecting


def kind(session: dict[str, Any]) -> str:
    """answer, busy (with retry_after_s), error (an exception) or other (any other reply)."""
    if "error" in session:
        return "error"
    result = session["result"]
    if "text" in result:
        return "answer"
    return "busy" if result.get("busy") is True and "retry_after_s" in result else "other"


def figures(sessions: list[dict[str, Any]], reads: list[float | str]) -> dict[str, Any]:
    """What the README and the bench report: counts, then sign-in, reply and read times."""
    kinds = [kind(s) for s in sessions]
    errors = [s["error"] for s in sessions if "error" in s]
    outcomes = [s["outcome_s"] for s in sessions if "outcome_s" in s]
    return {
        "clients": len(sessions),
        "errors": len(errors),
        "timeouts": sum("Timeout" in e for e in errors),
        "answered": kinds.count("answer"),
        "busy": kinds.count("busy"),
        "other": kinds.count("other"),
        "within_bound": sum(s <= BOUND_S for s in outcomes),
        "sign_in_s": summary([s["sign_in_s"] for s in sessions if "sign_in_s" in s], digits=2),
        "sign_in_max_s": round(max((s.get("sign_in_s", 0.0) for s in sessions), default=0), 2),
        "outcome_s": summary(outcomes, digits=2),
        "outcome_max_s": round(max(outcomes, default=0.0), 2),
        "busy_reply_s": summary(
            [s["done_s"] for s, k in zip(sessions, kinds, strict=True) if k == "busy"], digits=2
        ),
        "answer_s": summary(
            [s["done_s"] for s, k in zip(sessions, kinds, strict=True) if k == "answer"], digits=2
        ),
        "error_messages": sorted(set(errors))[:5],
        "reads_s": summary([r for r in reads if isinstance(r, float)], digits=3),
        "reads_max_s": round(max((r for r in reads if isinstance(r, float)), default=0.0), 3),
        "read_errors": sorted({r for r in reads if isinstance(r, str)}),
    }


def table(results: dict[str, Any]) -> list[str]:
    """Markdown rows, one per burst, of ``figures`` by burst name."""
    lines = [
        "| burst | clients | errors | time-outs | answered | busy | sign-in p50 / p95 / max (s) "
        "| busy or in line p95 / max (s) | answers p50 / p95 (s) | reads meanwhile p95 / max (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in results.items():
        sign_in, outcome, answers = f["sign_in_s"], f["outcome_s"], f["answer_s"]
        lines.append(
            f"| {name} | {f['clients']} | {f['errors']} | {f['timeouts']} | {f['answered']} "
            f"| {f['busy']} | {sign_in['p50']} / {sign_in['p95']} / {f['sign_in_max_s']} "
            f"| {outcome['p95']} / {f['outcome_max_s']} | {answers['p50']} / {answers['p95']} "
            f"| {f['reads_s']['p95']} / {f['reads_max_s']} |"
        )
    return lines


def section(data: dict[str, Any]) -> list[str]:
    """The bursts of signed-in users: how they ran and their table."""
    if not data:
        return []
    before, after = data["loadavg_before_after"]
    return [
        f"**Bursts of users signing in** (bench/burst.py; local model, BOT_AUTH a password file, "
        f"BOT_QUEUE_MAX={data['queue_max']}): sessions released together, each signing in "
        "(`Client(url, auth=...)`) and asking one question. Busy or in line: from starting to "
        f"connect to the busy reply or to the question's place in the line (the bound is "
        f"{BOUND_S:.0f} s); answers: to the answer. Reads meanwhile: a colleague already signed "
        "in loading the page, /config and /status in turn throughout. 1-minute load average "
        f"{before} before, {after} after.",
        "",
        *table(data["bursts"]),
    ]

"""Load: 1, 5 and 20 concurrent users against the served app (`python app.py`), with the
bundled local model and in extractive mode, default settings otherwise (BOT_QUEUE_MAX=10);
then bursts of users signing in at once (bench/burst.py) against the app with sign-in and the
local model, BOT_QUEUE_MAX=3.

Each user is a gradio_client session that asks the next question as soon as it has an answer
(no reading time: the heaviest load that many users can make); told the bot is busy, it tries
again after BACKOFF_S. A level runs for ``duration_s``; questions still in flight then are
waited for. Per level: requests, answers, the share of busy replies, throughput (answers/s
over the level's wall time), answer latency p50/p95 as users see it, and from the app's own log
the time answers spent in line and answering. ``python -m bench.load [--quick] [--burst]``
runs it alone (``--burst``: the bursts only).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.coldstart import free_port, memory_mb, scratch_data_dir
from bench.stats import summary

ROOT = Path(__file__).resolve().parent.parent
LEVELS = (1, 5, 20)
MODES = {"local": {"BOT_LLM": "local"}, "extractive": {"BOT_LLM": "extractive"}}
BACKOFF_S = 2.0
REQUEST_TIMEOUT_S = 900
READY_TIMEOUT_S = 600
LOGGED = re.compile(r"answered via api: ([\d.]+) s in line, ([\d.]+) s answering")
Log = Callable[[str], None]


@contextmanager
def serving(
    env: dict[str, str],
    models_dir: Path,
    translations: Path | None = None,
    auth: tuple[str, str] | None = None,
) -> Iterator[tuple[str, int, Path]]:
    """The app on a free loopback port with its models ready: (url, pid, log path). ``auth``
    signs in the readiness check (the app's BOT_AUTH, in ``env``, must accept it)."""
    from gradio_client import Client

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        data = scratch_data_dir(Path(tmp), models_dir, translations)
        port, log = free_port(), Path(tmp) / "app.log"
        full = os.environ | {"BOT_DATA_DIR": str(data), "BOT_PORT": str(port), "BOT_AUTH": ""}
        full |= {"BOT_HOST": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False", **env}
        with log.open("w") as out:
            proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full,
                                    stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"app not ready: {log.read_text()[-2000:]}")
                try:
                    client = Client(url, verbose=False, auth=auth)
                    status = client.predict(api_name="/status")
                    client.close()
                    if status["ready"]:
                        break
                except Exception:  # not serving yet
                    pass
                time.sleep(1)
            yield url, proc.pid, log
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _user(client: Any, questions: list[str], first: int, end: float) -> list[dict[str, Any]]:
    """One user's requests until ``end``: kind (answer, busy, error) and seconds each."""
    done, i = [], first
    while time.monotonic() < end:
        question = questions[i % len(questions)]
        i += 1
        t = time.monotonic()
        try:
            result = client.predict(question, api_name="/answer")
            kind = "answer" if "text" in result else "busy" if result.get("busy") else "error"
            error = "" if kind != "error" else str(result.get("error"))
        except Exception as exc:  # counted as an error, never raised
            kind, error = "error", f"{type(exc).__name__}: {exc}"
        done.append({"kind": kind, "s": time.monotonic() - t, "at": t, "error": error})
        if kind == "busy":
            time.sleep(max(0.0, min(BACKOFF_S, end - time.monotonic())))
    return done


def level(url: str, log: Path, users: int, questions: list[str], duration_s: float) -> dict:
    """``users`` sessions asking for ``duration_s``; their figures and the app's."""
    from gradio_client import Client

    logged_before = len(LOGGED.findall(log.read_text()))
    load_before = os.getloadavg()[0]
    with ThreadPoolExecutor(users) as pool:
        clients = list(pool.map(lambda _: Client(url, verbose=False), range(users)))
        start = time.monotonic()
        end = start + duration_s
        runs = list(pool.map(lambda k: _user(clients[k], questions, k, end), range(users)))
        list(pool.map(lambda c: c.close(), clients))
    requests = [r for run in runs for r in run]
    wall = max(r["at"] + r["s"] for r in requests) - start
    answers = [r["s"] for r in requests if r["kind"] == "answer"]
    logged = [(float(a), float(b)) for a, b in LOGGED.findall(log.read_text())[logged_before:]]
    return {
        "users": users,
        "requests": len(requests),
        "answers": len(answers),
        "busy": sum(r["kind"] == "busy" for r in requests),
        "errors": sum(r["kind"] == "error" for r in requests),
        "error_messages": sorted({r["error"] for r in requests if r["error"]})[:5],
        "busy_share": round(sum(r["kind"] == "busy" for r in requests) / len(requests), 3),
        "wall_s": round(wall, 1),
        "throughput_per_s": round(len(answers) / wall, 3),
        "latency_s": summary(answers, digits=2),
        "busy_reply_ms": summary([r["s"] for r in requests if r["kind"] == "busy"], 1000, 0),
        "in_line_s": summary([w for w, _ in logged], digits=2),
        "answering_s": summary([a for _, a in logged], digits=2),
        "loadavg_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def run(
    questions: list[str],
    duration_s: float,
    log: Log,
    modes: tuple[str, ...] = tuple(MODES),
    levels: tuple[int, ...] = LEVELS,
    bursts: bool = True,
) -> dict[str, Any]:
    from bot.config import get_settings

    settings = get_settings()
    # The translations the checkout has made are copied in: these figures are about serving.
    models, translations = settings.models_dir, settings.data_dir / "translations.json"
    out: dict[str, Any] = {"duration_s": duration_s, "backoff_s": BACKOFF_S, "modes": {}}
    for mode in modes:
        log(f"load, {mode}: starting the app")
        with serving(MODES[mode], models, translations) as (url, pid, app_log):
            figures: dict[str, Any] = {"levels": {}}
            for users in levels:
                log(f"load, {mode}: {users} concurrent users for {duration_s:.0f} s")
                figures["levels"][str(users)] = level(url, app_log, users, questions, duration_s)
            figures["app_memory_mb"] = memory_mb(pid)
            out["modes"][mode] = figures
    if bursts:
        from bench import burst

        out["burst"] = burst.measure(models, translations, log)
    return out


def table(load: dict[str, Any]) -> list[str]:
    """Markdown rows: one per mode and number of users."""
    lines = [
        "| mode | users | requests | answers | busy share | throughput (answers/s) | latency "
        "p50 / p95 (s) | in line p50 / p95 (s) | answering p50 (s) | busy reply p50 (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, figures in load.get("modes", {}).items():
        for users, f in figures["levels"].items():
            lat, line, busy = f["latency_s"], f["in_line_s"], f["busy_reply_ms"]
            lines.append(
                f"| {mode} | {users} | {f['requests']} | {f['answers']} | {f['busy_share']:.0%} "
                f"| {f['throughput_per_s']:.2f} | {lat['p50']} / {lat['p95']} "
                f"| {line['p50']} / {line['p95']} | {f['answering_s']['p50']} "
                f"| {busy['p50'] if busy['n'] else '–'} |"
            )
    return lines


def section(results: dict[str, Any]) -> list[str]:
    """The load section of the benchmark report: how it ran, the tables, the app's memory."""
    from bench import burst_figures

    data = results.get("load") or {}
    if not data.get("modes"):
        return burst_figures.section(data.get("burst", {})) or ["Not measured in this run."]
    memory = "; ".join(
        f"{mode} {figures['app_memory_mb'].get('VmHWM')} MiB"
        for mode, figures in data["modes"].items()
    )
    how = (
        f"Each level {data['duration_s']:.0f} s, default settings (BOT_QUEUE_MAX=10); users ask "
        f"back to back and retry {data['backoff_s']:.0f} s after a busy reply. Latency is what "
        f"users see; time in line and answering come from the app's log. Peak RSS of the app: "
        f"{memory}."
    )
    loads = "; ".join(
        f"{mode} {users} → " + " to ".join(str(x) for x in f["loadavg_before_after"])
        for mode, figures in data["modes"].items()
        for users, f in figures["levels"].items()
    )
    return [
        how,
        "",
        *table(data),
        "",
        f"1-minute load average before and after each level: {loads}.",
        "",
        *burst_figures.section(data.get("burst", {})),
    ]


def _say(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str]) -> None:
    import json

    from bench.run import pick_questions

    quick, only_bursts = "--quick" in argv, "--burst" in argv
    modes = () if only_bursts else tuple(MODES)
    result = run(pick_questions(10), 15.0 if quick else 60.0, _say, modes)
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    name = "burst" if only_bursts else "quick" if quick else "full"
    out = ROOT / "bench" / "results" / f"load-{name}"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    text = "\n".join(["# Load (python -m bench.load)", "", *section({"load": result})])
    out.with_suffix(".md").write_text(text + "\n")
    print(text)
    print(f"→ {out.relative_to(ROOT)}.{{json,md}}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""A burst of new users: N gradio_client sessions signing in (each with an account of its own,
or all with one), released at once by a barrier, each asking one question (issue 21).

For each session: how long signing in took (the ``Client``'s construction: POST /login with
the password, GET /config, GET the API info; the clients' own 5 s read time-out applies to
each), and when its question got an outcome: the busy reply, or its place in the line (the
job's PROCESSING status, sent as the app starts its handler, which joins the line at once),
then the answer. Shared by ``tests/test_signin_burst.py`` (outcomes asserted) and
``bench/load.py`` (figures reported: ``measure``, ``section``).

The clients run in this process, on the app's own cores. Two of their costs are theirs and not
the app's, so they are kept out: ``ssl_verify=False`` (over http:// to loopback it only spares
each client building a TLS context it never uses, about 70 ms of CPU each), and one client is
made before the burst (the first ``Client`` of a process looks up a registry on the Hub, which
here times out). What remains is the app's: hashing, serving, answering.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.stats import summary

QUESTION = "Combien de personnes Amazon veut-elle former d’ici 2025 ?"
SMALL, LARGE = 20, 50
QUEUE_MAX = 3  # as in issue 21, for bench/load.py (the test sets its own)
ACCOUNTS = 2 + SMALL + LARGE  # the runner's (0), the small and large teams', one shared account
BOUND_S = 5.0  # issue 21: every client answered or told busy within this of connecting
RESULT_TIMEOUT_S = 600
Account = tuple[str, str]


def accounts(first: int, count: int) -> list[Account]:
    """Distinct team accounts: colleague001, … each with its own password."""
    return [(f"colleague{i:03d}", f"pass-{i:03d}-word") for i in range(first, first + count)]


def write_password_file(path: Path, team: list[Account]) -> None:
    """The file `python -m bot adduser` would write for ``team`` (hashed two at a time)."""
    from bot.auth import hash_password

    with ThreadPoolExecutor(2) as pool:  # scrypt releases the GIL
        hashes = list(pool.map(lambda account: hash_password(account[1]), team))
    path.write_text("".join(f"{name}:{h}\n" for (name, _), h in zip(team, hashes, strict=True)))


def client(url: str, account: Account) -> Any:
    from gradio_client import Client

    return Client(url, auth=account, verbose=False, ssl_verify=False)


def _placed_at(job: Any) -> float | None:
    """Wall-clock time the job's PROCESSING status arrived (its handler started), if it did."""
    from gradio_client.utils import Status, StatusUpdate

    updates = job.communicator.updates if job.communicator else None
    while updates is not None and not updates.empty():
        update = updates.get_nowait()
        if isinstance(update, StatusUpdate) and update.code == Status.PROCESSING and update.time:
            return update.time.timestamp()
    return None


def _session(url: str, account: Account, start: threading.Barrier) -> dict[str, Any]:
    start.wait()
    t0 = time.time()
    out: dict[str, Any] = {"user": account[0]}
    try:
        session = client(url, account)
    except Exception as exc:  # a time-out or a refusal: counted, never raised
        return out | {"error": f"sign-in: {type(exc).__name__}: {exc}"[:300]}
    out["sign_in_s"] = time.time() - t0
    try:
        job = session.submit(QUESTION, api_name="/answer")
        result = job.result(timeout=RESULT_TIMEOUT_S)
        done = time.time()
        out["result"] = result
        out["done_s"] = done - t0
        busy = result.get("busy") is True
        placed = None if busy else _placed_at(job)
        out["outcome_s"] = (done if busy or placed is None else placed) - t0
    except Exception as exc:
        out["error"] = f"question: {type(exc).__name__}: {exc}"[:300]
    finally:
        session.close()
    return out


def burst(url: str, team: list[Account]) -> list[dict[str, Any]]:
    """One session per account, released together; each one's figures and result."""
    start = threading.Barrier(len(team))
    with ThreadPoolExecutor(len(team), thread_name_prefix="colleague") as pool:
        return list(pool.map(lambda account: _session(url, account, start), team))


def kind(session: dict[str, Any]) -> str:
    """answer, busy (with retry_after_s), error (an exception) or other (any other reply)."""
    if "error" in session:
        return "error"
    result = session["result"]
    if "text" in result:
        return "answer"
    return "busy" if result.get("busy") is True and "retry_after_s" in result else "other"


def figures(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """What the README and the bench report: counts, then sign-in and reply times."""
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
    }


def warm(url: str, account: Account) -> None:
    """One answer, so that the line has an answer time and busy replies carry retry_after_s."""
    session = client(url, account)
    try:
        session.predict(QUESTION, api_name="/answer")
    finally:
        session.close()


def queue(url: str) -> dict[str, Any]:
    """The app's own counts (/status), asked as the runner (account 0)."""
    session = client(url, accounts(0, 1)[0])
    try:
        return session.predict(api_name="/status")["queue"]
    finally:
        session.close()


def sign_in_each(url: str, team: list[Account]) -> None:
    """Each account signs in once, two at a time (not a burst): they are known afterwards."""
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda account: client(url, account).close(), team))


def scenarios(first_time_large: bool) -> list[tuple[str, list[Account]]]:
    """The bursts, in order: 20 accounts signing in for the first time; 50 clients of one team
    account (as a script making a client per question, or the issue's own test); 50 accounts
    signing in for the first time (only if ``first_time_large``); the 50 signing in again."""
    small, large = accounts(1, SMALL), accounts(1 + SMALL, LARGE)
    shared = accounts(1 + SMALL + LARGE, 1) * LARGE
    named = [(f"{SMALL} new accounts", small), (f"{LARGE} on one account", shared)]
    if first_time_large:
        named.append((f"{LARGE} new accounts", large))
    return [*named, (f"{LARGE} accounts again", large)]


def run(url: str, log: Callable[[str], None], first_time_large: bool = True) -> dict[str, Any]:
    """After one answer, each scenario's sessions with the app's counts before and after."""
    warm(url, accounts(0, 1)[0])
    out: dict[str, Any] = {}
    for name, team in scenarios(first_time_large):
        if name.endswith("again") and not first_time_large:
            sign_in_each(url, team)
        log(f"burst: {name}, {len(team)} clients at once")
        before = queue(url)
        sessions = burst(url, team)
        out[name] = {"sessions": sessions, "before": before, "after": queue(url)}
    return out


def table(results: dict[str, Any]) -> list[str]:
    """Markdown rows, one per burst, of ``figures`` by burst name."""
    lines = [
        "| burst | clients | errors | time-outs | answered | busy | sign-in p50 / p95 / max (s) "
        "| busy or in line p95 / max (s) | answers p50 / p95 (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in results.items():
        sign_in, outcome, answers = f["sign_in_s"], f["outcome_s"], f["answer_s"]
        lines.append(
            f"| {name} | {f['clients']} | {f['errors']} | {f['timeouts']} | {f['answered']} "
            f"| {f['busy']} | {sign_in['p50']} / {sign_in['p95']} / {f['sign_in_max_s']} "
            f"| {outcome['p95']} / {f['outcome_max_s']} | {answers['p50']} / {answers['p95']} |"
        )
    return lines


def measure(models: Path, translations: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """For bench/load.py: the bursts against the app with the local model, sign-in (a password
    file of scrypt hashes) and BOT_QUEUE_MAX=3; each burst's figures and the load average."""
    from bench.load import MODES, serving

    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        users = Path(tmp) / "users.txt"
        log(f"burst: hashing {ACCOUNTS} passwords")
        write_password_file(users, accounts(0, ACCOUNTS))
        env = MODES["local"] | {"BOT_AUTH": str(users), "BOT_QUEUE_MAX": str(QUEUE_MAX)}
        with serving(env, models, translations, auth=accounts(0, 1)[0]) as (url, _, _):
            load_before = os.getloadavg()[0]
            runs = run(url, log)
    measured = {name: figures(r["sessions"]) for name, r in runs.items()}
    loadavg = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return {"queue_max": QUEUE_MAX, "bursts": measured, "loadavg_before_after": loadavg}


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
        f"{BOUND_S:.0f} s); answers: to the answer. 1-minute load average {before} "
        f"before, {after} after.",
        "",
        *table(data["bursts"]),
    ]

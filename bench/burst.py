"""A burst of new users: N gradio_client sessions signing in (each with an account of its own,
or all with one), released at once by a barrier, each asking one question (issue 21).

For each session: how long signing in took (the ``Client``'s construction: POST /login with
the password, GET /config, GET the API info; the clients' own 5 s read time-out applies to
each), and when its question got an outcome: the busy reply, or its place in the line (the
job's PROCESSING status, sent as the app starts its handler, which joins the line at once),
then the answer. Shared by ``tests/test_signin_burst.py`` (outcomes asserted) and
``bench/load.py`` (``measure``; the figures and their table are in ``bench/burst_figures.py``).

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

from bench.burst_figures import figures

QUESTION = "Combien de personnes Amazon veut-elle former d’ici 2025 ?"
SMALL, LARGE = 20, 50
QUEUE_MAX = 3  # as in issue 21, for bench/load.py (the test sets its own)
ACCOUNTS = 2 + SMALL + LARGE  # the runner's (0), the small and large teams', one shared account
RESULT_TIMEOUT_S = 600
Account = tuple[str, str]


def accounts(first: int, count: int) -> list[Account]:
    """Distinct team accounts: colleague001, … each with its own password."""
    return [(f"colleague{i:03d}", f"pass-{i:03d}-word") for i in range(first, first + count)]


def write_password_file(path: Path, team: list[Account]) -> None:
    """The file `python -m bot adduser` would write for ``team`` (hashed two at a time)."""
    from bot.auth import hash_password

    with ThreadPoolExecutor(2) as pool:  # hashing releases the GIL
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


def scenarios() -> list[tuple[str, list[Account]]]:
    """The bursts, in order: 20 accounts signing in for the first time; 50 clients of one team
    account (as a script making a client per question, or the issue's own test); 50 accounts
    signing in for the first time; the same 50 signing in again."""
    small, large = accounts(1, SMALL), accounts(1 + SMALL, LARGE)
    shared = accounts(1 + SMALL + LARGE, 1) * LARGE
    return [
        (f"{SMALL} new accounts", small),
        (f"{LARGE} on one account", shared),
        (f"{LARGE} new accounts", large),
        (f"{LARGE} accounts again", large),
    ]


def _reader(url: str, stop: threading.Event) -> list[float | str]:
    """A colleague already signed in (account 0) who keeps reading while a burst runs and the
    model answers: the page, /config and /status in turn; seconds each, or the error."""
    import httpx

    session = client(url, accounts(0, 1)[0])
    reads: list[float | str] = []
    with httpx.Client(cookies=session.cookies, verify=False, timeout=30) as http:
        while not stop.wait(0.2):
            for read in (
                lambda: http.get(url).raise_for_status(),
                lambda: http.get(f"{url}config").raise_for_status(),
                lambda: session.predict(api_name="/status"),
            ):
                t = time.monotonic()
                try:
                    read()
                    reads.append(time.monotonic() - t)
                except Exception as exc:  # counted, never raised
                    reads.append(f"{type(exc).__name__}: {exc}"[:200])
    session.close()
    return reads


def run(url: str, log: Callable[[str], None]) -> dict[str, Any]:
    """After one answer, each scenario's sessions, the reads made meanwhile, and the app's
    counts before and after."""
    warm(url, accounts(0, 1)[0])
    out: dict[str, Any] = {}
    for name, team in scenarios():
        log(f"burst: {name}, {len(team)} clients at once")
        before, stop = queue(url), threading.Event()
        with ThreadPoolExecutor(1) as pool:
            reads = pool.submit(_reader, url, stop)
            sessions = burst(url, team)
            stop.set()
        out[name] = {"sessions": sessions, "reads": reads.result(), "before": before}
        out[name]["after"] = queue(url)
    return out


def measure(models: Path, translations: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """For bench/load.py: the bursts against the app with the local model, sign-in (a password
    file of Argon2id hashes) and BOT_QUEUE_MAX=3; each burst's figures and the load average."""
    from bench.load import MODES, serving

    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        users = Path(tmp) / "users.txt"
        log(f"burst: hashing {ACCOUNTS} passwords")
        write_password_file(users, accounts(0, ACCOUNTS))
        env = MODES["local"] | {"BOT_AUTH": str(users), "BOT_QUEUE_MAX": str(QUEUE_MAX)}
        with serving(env, models, translations, auth=accounts(0, 1)[0]) as (url, _, _):
            load_before = os.getloadavg()[0]
            runs = run(url, log)
    measured = {name: figures(r["sessions"], r["reads"]) for name, r in runs.items()}
    loadavg = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return {"queue_max": QUEUE_MAX, "bursts": measured, "loadavg_before_after": loadavg}

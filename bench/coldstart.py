"""Fresh-process figures: spawn → first answer, spawn → UI answering HTTP 200, peak RSS."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The child reports its own figures; BENCH_SPAWN_T is the parent's clock just before spawn.
PROJECT_CHILD = """
import json, os, resource, sys, time
from bot import answer
a = answer(sys.argv[1])
print(json.dumps({
    "answer_s": time.time() - float(os.environ["BENCH_SPAWN_T"]),
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "text": a.text[:300],
    "model": a.model,  # "extractive (no LLM)" when the LLM failed or timed out
}))
"""


def _spawn_json(args: list[str], timeout: float) -> dict[str, Any]:
    env = os.environ | {"BENCH_SPAWN_T": repr(time.time())}
    proc = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def first_answer(question: str, textbook: bool = False, timeout: float = 300) -> dict[str, Any]:
    """Spawn a fresh interpreter that answers once (the project, or the textbook baseline)."""
    if textbook:
        return _spawn_json([PYTHON, "-m", "bench.baseline", question], timeout)
    return _spawn_json([PYTHON, "-c", PROJECT_CHILD, question], timeout)


def free_port() -> int:
    """A TCP port free on loopback now (the benchmarks' and the tests' servers use it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scratch_data_dir(workdir: Path, models: Path, translations: Path | None = None) -> Path:
    """``workdir/data`` for a server run: ``models`` a link to the shared model cache, and a
    copy of a translations cache when one is given and exists (the run then does not spend
    its start translating; a copy, so runs never write into each other)."""
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    models.mkdir(parents=True, exist_ok=True)  # a link to a missing directory cannot be filled
    (data / "models").symlink_to(models.resolve(), target_is_directory=True)
    if translations is not None and translations.is_file():
        shutil.copy(translations, data / "translations.json")
    return data


def memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory now (VmRSS) and at its peak so far (VmHWM), in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the app and anything it started (it leads its own process group)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


def ui_ready(timeout: float = 180) -> dict[str, Any]:
    """Spawn ``app.py`` on a free port and poll ``/`` until it answers HTTP 200."""
    app = ROOT / "app.py"
    if not app.exists():
        return {"ready_s": None, "reason": "app.py does not exist yet"}
    port = free_port()
    env = os.environ | {"BOT_PORT": str(port)}
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        t0 = time.time()
        proc = subprocess.Popen(
            [PYTHON, str(app)], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            while time.time() - t0 < timeout:
                if _http_ok(url):
                    return {"ready_s": time.time() - t0, "rss_mb": _peak_rss_mb(proc.pid)}
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read().decode(errors="replace").strip().splitlines()[-3:]
                    return {"ready_s": None, "reason": f"app.py exited: {' | '.join(tail)}"}
                time.sleep(0.1)
            return {"ready_s": None, "reason": f"no HTTP 200 within {timeout:.0f} s"}
        finally:
            _stop(proc)

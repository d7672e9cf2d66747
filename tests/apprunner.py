"""Start the real app (`python app.py`) on a free loopback port, for the server tests.

Each run gets its own data directory (index, feedback) that links to the shared model cache, so
it neither writes into nor depends on the index that other runs (eval, benchmarks) may be using.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.coldstart import free_port, memory_mb, scratch_data_dir

ROOT = Path(__file__).resolve().parent.parent
PAGE_TIMEOUT_S = 120
READY_TIMEOUT_S = 600
STOP_TIMEOUT_S = 20


@dataclass
class App:
    url: str
    log: Path
    page_up_s: float  # spawn → page served
    pid: int = 0
    data_dir: Path = Path()
    auth: tuple[str, str] | None = None  # credentials, when the app was started with BOT_AUTH
    ready_s: float = 0.0  # spawn → models loaded and warmed up
    status_at_page_up: dict[str, Any] = field(default_factory=dict)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def client(self, **kwargs: Any) -> Any:
        """A gradio_client.Client signed in with the app's credentials, if it has any."""
        from gradio_client import Client

        return Client(self.url, verbose=False, auth=self.auth, **kwargs)

    def answer_lines(self, via: str = "api") -> list[tuple[float, float]]:
        """(seconds in line, seconds answering) of each answer the app logged, in order."""
        pattern = re.compile(rf"answered via {via}: ([\d.]+) s in line, ([\d.]+) s answering")
        return [(float(a), float(b)) for a, b in pattern.findall(self.log_tail(10**8))]

    def memory_mb(self) -> dict[str, float]:
        """The app process's resident memory now (VmRSS) and at its peak so far (VmHWM)."""
        return memory_mb(self.pid)


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def shared_data_dir() -> Path:
    """The checkout's data directory (its models are the shared model cache)."""
    data = Path(os.environ.get("BOT_DATA_DIR", ".data"))
    return data if data.is_absolute() else ROOT / data


def linked_data_dir(workdir: Path, translations: bool = False) -> Path:
    """``workdir/data``, its ``models`` a link to the shared model cache; with
    ``translations``, a copy of the checkout's translations cache (read only: a copy)."""
    shared = shared_data_dir()
    return scratch_data_dir(
        workdir, shared / "models", shared / "translations.json" if translations else None
    )


def _fail_if_exited(proc: subprocess.Popen, app: App) -> None:
    if proc.poll() is not None:
        pytest.fail(f"app exited with {proc.returncode}:\n{app.log_tail()}")


def _wait_for_page(proc: subprocess.Popen, app: App) -> None:
    deadline = time.monotonic() + PAGE_TIMEOUT_S
    while time.monotonic() < deadline:
        _fail_if_exited(proc, app)
        try:
            with urllib.request.urlopen(app.url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"page not served within {PAGE_TIMEOUT_S} s:\n{app.log_tail()}")


def _wait_for_bot(client: Any, proc: subprocess.Popen, app: App) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        _fail_if_exited(proc, app)
        status = client.predict(api_name="/status")
        if status["ready"] or status["error"]:
            return status
        time.sleep(2)
    pytest.fail(f"models not ready within {READY_TIMEOUT_S} s:\n{app.log_tail()}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def running_app(workdir: Path, auth: tuple[str, str] | None = None, **env: str) -> Iterator[App]:
    """The app serving on loopback with its models ready; `env` adds BOT_* settings, `auth`
    signs in the runner's own client (the app's BOT_AUTH must accept it)."""
    port = free_port()
    app = App(url=f"http://127.0.0.1:{port}/", log=workdir / "app.log", page_up_s=0.0, auth=auth)
    # The checkout's translations are copied in: the app does not spend its start making them.
    app.data_dir = linked_data_dir(workdir, translations=True)
    full_env = {
        **os.environ,
        "BOT_DATA_DIR": str(app.data_dir),
        "BOT_PORT": str(port),
        "BOT_HOST": "127.0.0.1",
        "BOT_SHARE": "false",
        "BOT_AUTH": "",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **env,
    }
    started = time.monotonic()
    with app.log.open("w") as out:
        proc = subprocess.Popen(
            [python(), "app.py"], cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    app.pid = proc.pid
    try:
        _wait_for_page(proc, app)
        app.page_up_s = time.monotonic() - started
        client = app.client()
        try:
            app.status_at_page_up = client.predict(api_name="/status")
            status = _wait_for_bot(client, proc, app)
        finally:
            client.close()
        assert status["ready"], f"{status}\n{app.log_tail()}"
        app.ready_s = time.monotonic() - started
        print(f"\npage up in {app.page_up_s:.1f} s; models ready in {app.ready_s:.1f} s")
        yield app
    finally:
        stop(proc)

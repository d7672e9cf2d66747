"""Sign-in: BOT_AUTH pairs and password files, the hashes, and where the app may listen."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import nacl.bindings
import pytest

from bot import auth
from bot.auth import AuthError, Users

ROOT = Path(__file__).resolve().parent.parent


def test_a_hash_is_salted_and_checks_only_its_password():
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first != second and "correct horse" not in first
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert auth.verify_password("correct horse", first)
    assert not auth.verify_password("correct hors", first)


def _unpadded(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def test_hashes_are_standard_argon2id_strings():
    """The string is Argon2id's PHC format: its salt and parameters give its hash again."""
    encoded = auth.hash_password("correct horse")
    *_, params, salt, digest = encoded.split("$")
    assert params == "m=19456,t=2,p=1"
    again = nacl.bindings.crypto_pwhash_alg(
        32,
        b"correct horse",
        _unpadded(salt),
        2,
        19456 * 1024,
        nacl.bindings.crypto_pwhash_ALG_ARGON2ID13,
    )
    assert again == _unpadded(digest)


def test_scrypt_lines_written_before_still_sign_in(tmp_path):
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"correct horse", salt=salt, n=2**14, r=8, p=5, dklen=32)
    b64 = base64.b64encode
    encoded = f"scrypt$16384$8$5${b64(salt).decode()}${b64(digest).decode()}"
    assert auth.verify_password("correct horse", encoded)
    assert not auth.verify_password("correct hors", encoded)
    path = tmp_path / "users.txt"
    path.write_text(f"alice:{encoded}\n")
    assert Users(path=path).check("alice", "correct horse")
    auth.add_user(path, "alice", "correct horse")  # written again: as Argon2id
    assert auth.read_password_file(path)["alice"].startswith("$argon2id$")


def test_a_file_hash_that_needs_too_much_memory_is_refused(tmp_path):
    big = auth.hash_password("correct horse").replace("m=19456", f"m={2**17}")
    path = tmp_path / "users.txt"
    path.write_text(f"alice:{big}\n")
    with pytest.raises(AuthError, match="line 1: expected name:"):
        auth.read_password_file(path)


def test_pairs_allow_colons_in_passwords_and_refuse_bad_entries():
    assert auth.parse_pairs("alice:pass:word1, bob:another-one") == {
        "alice": "pass:word1",
        "bob": "another-one",
    }
    for bad, reason in [
        ("alice", "not a user:password pair"),
        ("alice:short", "shorter than 8"),
        ("al ice:long enough", "user name"),
        (":long enough", "user name"),
    ]:
        with pytest.raises(AuthError, match=reason):
            auth.parse_pairs(bad)


def test_add_user_writes_hashes_only_and_replaces_a_password(tmp_path):
    path = tmp_path / "sub" / "users.txt"
    assert auth.add_user(path, "alice", "correct horse") is True
    assert auth.add_user(path, "bob", "battery staple") is True
    assert auth.add_user(path, "alice", "new password") is False
    text = path.read_text()
    assert "correct horse" not in text and "battery staple" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    hashes = auth.read_password_file(path)
    assert set(hashes) == {"alice", "bob"}
    assert auth.verify_password("new password", hashes["alice"])
    with pytest.raises(AuthError):
        auth.add_user(path, "eve", "short")


def test_password_file_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "users.txt"
    auth.add_user(path, "alice", "correct horse")
    path.write_text("# team\n\n" + path.read_text() + "bob:plain-text-password\n")
    with pytest.raises(AuthError, match=r"users.txt, line 4: expected name:\$argon2id"):
        auth.read_password_file(path)
    path.write_text("# nobody yet\n")
    with pytest.raises(AuthError, match="lists no user"):
        auth.read_password_file(path)
    with pytest.raises(AuthError, match="cannot read the password file"):
        Users.from_setting(str(tmp_path / "missing"))


def test_users_from_pairs_sign_in_with_the_right_password_only():
    assert Users.from_setting("  ") is None
    users = Users.from_setting("alice:correct horse,bob:battery staple")
    assert users is not None
    assert users.check("alice", "correct horse") and users.check("bob", "battery staple")
    assert not users.check("alice", "battery staple")
    assert not users.check("eve", "correct horse")
    assert not users.check("", "")


def test_a_password_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "users.txt"
    auth.add_user(path, "alice", "correct horse")
    users = Users.from_setting(str(path))
    assert users is not None and users.check("alice", "correct horse")
    assert not users.check("bob", "battery staple")
    auth.add_user(path, "bob", "battery staple")
    os.utime(path, (1, 1))  # a new mtime even within the file system's time resolution
    assert users.check("bob", "battery staple")
    path.write_text("alice:half-edited\n")
    os.utime(path, (2, 2))
    assert users.check("bob", "battery staple")  # the users read last still sign in


def test_gradio_awaits_the_sign_in_hook():
    # Gradio awaits the hook only if it is a coroutine function; a plain callable returning a
    # coroutine would be truthy, and every password would be accepted.
    users = Users.from_setting("alice:correct horse")
    assert users is not None and inspect.iscoroutinefunction(users.signs_in)
    assert asyncio.run(users.signs_in("alice", "correct horse")) is True
    assert asyncio.run(users.signs_in("alice", "wrong password")) is False


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("bot.example.org", False),
        ("", False),
    ],
)
def test_is_loopback(host, loopback):
    assert auth.is_loopback(host) is loopback


def test_only_loopback_may_serve_without_sign_in():
    assert auth.exposure_error("127.0.0.1", False, False, False) is None
    assert auth.exposure_error("0.0.0.0", False, True, False) is None
    assert auth.exposure_error("0.0.0.0", False, False, True) is None
    message = auth.exposure_error("0.0.0.0", False, False, False)
    assert message and "BOT_HOST=0.0.0.0" in message and "BOT_AUTH" in message
    assert "BOT_ALLOW_ANONYMOUS=true" in message
    shared = auth.exposure_error("127.0.0.1", True, False, False)
    assert shared and "share link" in shared
    with pytest.raises(AuthError, match="refusing to serve"):
        auth.users_for("", "0.0.0.0", False, False)
    assert auth.users_for("", "0.0.0.0", False, True) is None


def test_password_file_defaults_to_bot_auth_or_the_data_dir(tmp_path):
    assert auth.password_file("", tmp_path) == tmp_path / "users.txt"
    assert auth.password_file("alice:correct horse", tmp_path) == tmp_path / "users.txt"
    assert auth.password_file("/srv/bot/users", tmp_path) == Path("/srv/bot/users")


def test_adduser_command_reads_the_password_from_stdin(tmp_path):
    env = {**os.environ, "BOT_DATA_DIR": str(tmp_path), "BOT_AUTH": ""}

    def adduser(name: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "adduser", name],
            input=password + "\n",
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
        )

    out = adduser("alice", "correct horse")
    assert out.returncode == 0, out.stderr
    assert f"added alice to {tmp_path / 'users.txt'}" in out.stdout
    users = Users.from_setting(str(tmp_path / "users.txt"))
    assert users is not None and users.check("alice", "correct horse")
    short = adduser("bob", "short")
    assert short.returncode == 2 and short.stderr.startswith("error: ")
    assert "Traceback" not in short.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_HOST": "0.0.0.0"}, "error: refusing to serve BOT_HOST=0.0.0.0"),
        ({"BOT_SHARE": "true"}, "error: refusing to serve a public share link"),
        ({"BOT_AUTH": "/nonexistent/users.txt"}, "error: BOT_AUTH: cannot read the password"),
    ],
)
def test_the_app_refuses_to_start_exposed_or_misconfigured(tmp_path, env, message):
    full_env = {
        **os.environ,
        "BOT_DATA_DIR": str(tmp_path),
        "BOT_HOST": "127.0.0.1",
        "BOT_AUTH": "",
        "BOT_ALLOW_ANONYMOUS": "false",
        "BOT_SHARE": "false",
        "BOT_PORT": "1",  # nothing may be served, not even on a port it could not bind
        "GRADIO_ANALYTICS_ENABLED": "False",
        **env,
    }
    out = subprocess.run(
        [sys.executable, "app.py"],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith(message), out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []  # exited before loading or writing anything


# ---------------------------------------------------------------- a burst of sign-ins


@pytest.fixture
def counted(monkeypatch):
    """verify_password counted, slowed a little, with the threads it ran in and how many at once."""
    seen: dict = {"calls": 0, "threads": set(), "now": 0, "most": 0}
    real = auth.verify_password
    lock = threading.Lock()

    def verify(password: str, encoded: str) -> bool:
        with lock:
            seen["calls"] += 1
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
            seen["threads"].add(threading.current_thread().name)
        try:
            time.sleep(0.05)
            return real(password, encoded)
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(auth, "verify_password", verify)
    return seen


def test_a_verified_sign_in_is_not_hashed_again_and_a_wrong_one_always_is(counted):
    users = Users.from_setting("alice:correct horse,bob:battery staple")
    assert users is not None
    assert users.check("alice", "correct horse") and users.check("alice", "correct horse")
    assert counted["calls"] == 1
    assert not users.check("alice", "wrong password") and not users.check("alice", "wrong password")
    assert not users.check("alice", "battery staple")  # bob's password is not alice's
    assert counted["calls"] == 4


def test_identical_sign_ins_at_once_share_one_check_off_the_event_loop(counted):
    users = Users.from_setting("alice:correct horse,bob:battery staple")
    assert users is not None

    async def burst() -> list[bool]:
        same = [users.signs_in("alice", "correct horse") for _ in range(20)]
        wrong = [users.signs_in("bob", "wrong password") for _ in range(5)]
        return await asyncio.gather(*same, *wrong)

    assert asyncio.run(burst()) == [True] * 20 + [False] * 5
    assert counted["calls"] == 2  # one check for the twenty, one for the five
    assert all(name.startswith("sign-in") for name in counted["threads"])
    asyncio.run(burst())
    assert counted["calls"] == 3  # alice is known now; bob's wrong password is checked again


def test_password_checks_run_at_most_two_at_a_time(counted):
    pairs = ",".join(f"user{i}:password-{i}" for i in range(8))
    users = Users.from_setting(pairs)
    assert users is not None

    async def burst() -> list[bool]:
        checks = [users.signs_in(f"user{i}", f"password-{i}") for i in range(8)]
        return await asyncio.gather(*checks)

    assert all(asyncio.run(burst()))
    assert counted["calls"] == 8 and counted["most"] == auth.CHECKS == 2


def test_a_remembered_sign_in_ends_when_the_password_file_changes(tmp_path, counted):
    path = tmp_path / "users.txt"
    auth.add_user(path, "alice", "correct horse")
    auth.add_user(path, "bob", "battery staple")
    users = Users.from_setting(str(path))
    assert users is not None and users.check("alice", "correct horse")
    assert users.check("bob", "battery staple")
    auth.add_user(path, "alice", "new password")
    os.utime(path, (1, 1))
    assert not users.check("alice", "correct horse")
    assert users.check("alice", "new password")
    path.write_text("\n".join(line for line in path.read_text().splitlines() if "bob" not in line))
    os.utime(path, (2, 2))
    assert not users.known("bob", "battery staple") and not users.check("bob", "battery staple")

"""Sign-in: who may use the page and the API, and whether the app may listen beyond loopback.

``BOT_AUTH`` is either ``user:password`` pairs separated by commas, or (a value without ``:``)
the path of a password file. The file holds one ``name:$argon2id$v=19$m=…,t=…,p=…$salt$hash``
line per user (the PHC string format, which libsodium, argon2-cffi and passlib read too; ``#``
starts a comment); ``python -m bot adduser NAME`` writes it. Plain passwords are never stored in
the file, and the file is read again when it changes.

The hash is Argon2id at m=19 MiB, t=2, p=1: the first of the equivalent minimums in OWASP's
Password Storage Cheat Sheet, which names Argon2id first and scrypt for where Argon2id is not
available. That work is what each guess costs someone who has the file, and each sign-in that
has not been verified before (``Users``). libsodium (PyNaCl) computes it in 0.025 s of a core
here; the scrypt setting used before (N=2^14, r=8, p=5, OWASP's scrypt equivalent) took 0.13 s,
so a burst of first sign-ins on two cores waited five times as long. Lines written then
(``name:scrypt$n$r$p$salt$hash``, salt and hash in base64) still sign in, at their own cost;
``adduser`` writes the user's line again as Argon2id.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import ipaddress
import os
import re
import secrets
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nacl.bindings import crypto_pwhash_scryptsalsa208sha256_ll as _libsodium_scrypt
from nacl.exceptions import InvalidkeyError
from nacl.pwhash import argon2id

from bot.types import BotError

ARGON2_T, ARGON2_M = 2, 19 * 2**20  # OWASP's first Argon2id minimum (p=1): 0.025 s of a core here
MAXMEM = 2**26  # hashes of other parameters read from a file: up to 64 MiB each
ARGON2_PHC = re.compile(
    r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$"
)
MIN_PASSWORD_CHARS = 8
USER_NAME = re.compile(r"^[\w.@+-]{1,64}$")
CHECKS = 2  # password checks at once: one per core of the machines this runs on, 19 MiB each
_checks = threading.BoundedSemaphore(CHECKS)  # also bounds callers outside the sign-in pool


class AuthError(BotError):
    """BOT_AUTH, a password file or a new user is unusable; the message says why."""


# ---------------------------------------------------------------- hashes


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return _libsodium_scrypt(password.encode(), salt, n, r, p, dklen=dklen, maxmem=MAXMEM)


def hash_password(password: str) -> str:
    """The PHC string of an Argon2id hash with a fresh 16-byte salt."""
    return argon2id.str(password.encode(), opslimit=ARGON2_T, memlimit=ARGON2_M).decode("ascii")


def _parse_hash(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    """None for a well-formed Argon2id string (libsodium reads it), the scrypt fields for the
    format written before; ValueError for anything else or a hash needing over 64 MiB."""
    if encoded.startswith("$argon2id$"):
        match = ARGON2_PHC.match(encoded)
        if not match:
            raise ValueError("malformed argon2id hash")
        if int(match[1]) * 1024 > MAXMEM:
            raise ValueError("argon2id hash needs more than 64 MiB")
        return None
    scheme, n, r, p, salt, digest = encoded.split("$")
    if scheme != "scrypt":
        raise ValueError(f"unknown scheme {scheme!r}")
    return int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(digest)


def verify_password(password: str, encoded: str) -> bool:
    fields = _parse_hash(encoded)
    with _checks:
        if fields is None:
            try:
                return argon2id.verify(encoded.encode("ascii"), password.encode())
            except InvalidkeyError:
                return False
        n, r, p, salt, digest = fields
        got = _scrypt(password, salt, n, r, p, dklen=len(digest))
    return hmac.compare_digest(got, digest)


# ---------------------------------------------------------------- users


def _check_new(name: str, password: str) -> None:
    if not USER_NAME.match(name):
        raise AuthError(f"user name {name!r}: use 1-64 letters, digits or . _ @ + -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"the password of {name!r} is shorter than {MIN_PASSWORD_CHARS} characters")


def parse_pairs(value: str) -> dict[str, str]:
    """``alice:pw1,bob:pw2`` → {name: password}; passwords may hold ':' but not ','."""
    pairs = {}
    for item in value.split(","):
        name, sep, password = item.strip().partition(":")
        if not sep:
            raise AuthError(f"BOT_AUTH: {item.strip()!r} is not a user:password pair")
        _check_new(name, password)
        pairs[name] = password
    return pairs


def read_password_file(path: Path) -> dict[str, str]:
    """{name: hash}; an unreadable file or a malformed line is named in the error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AuthError(f"BOT_AUTH: cannot read the password file {path}: {exc.strerror}") from exc
    users = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, encoded = line.strip().partition(":")
        try:
            _parse_hash(encoded)
        except ValueError:
            raise AuthError(
                f"{path}, line {number}: expected name:$argon2id$v=19$m=…,t=…,p=…$salt$hash "
                "(add users with `python -m bot adduser NAME`)"
            ) from None
        users[name] = encoded
    if not users:
        raise AuthError(f"BOT_AUTH: the password file {path} lists no user")
    return users


def add_user(path: Path, name: str, password: str) -> bool:
    """Adds the user (or replaces their password); True if the user is new. Atomic, mode 0600."""
    _check_new(name, password)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept = [line for line in lines if line.strip().partition(":")[0] != name]
    kept.append(f"{name}:{hash_password(password)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(kept) + "\n")
    os.replace(tmp, path)  # mkstemp created it 0600
    return len(kept) > len(lines)


def password_file(auth: str, data_dir: Path) -> Path:
    """The file `adduser` writes: BOT_AUTH when it names a file, else users.txt in the data dir."""
    value = auth.strip()
    if value and (":" not in value or Path(value).is_file()):
        return Path(value).expanduser()
    return data_dir / "users.txt"


class Users:
    """Checks sign-ins against salted hashes: of the BOT_AUTH pairs (hashed when read), or of a
    password file (read again when it changes). A first check costs one hash, known name or not;
    a name and password already verified against the user's current hash sign in again without
    one, and identical attempts at once share one check. Checks run ``CHECKS`` at a time in their
    own threads, off the event loop. What is remembered is an HMAC under a key of this process,
    never a wrong password (each guess costs a hash); whoever could read it from memory could
    as well take Gradio's session tokens there (or, with BOT_AUTH pairs, the passwords).
    """

    def __init__(self, hashes: dict[str, str] | None = None, path: Path | None = None) -> None:
        self._hashes = dict(hashes or {})
        self._path = path
        self._mtime = -1.0
        self._dummy = hash_password(secrets.token_hex(8))
        self._key = secrets.token_bytes(32)
        self._verified: dict[bytes, str] = {}  # HMAC(name, password) -> the hash it matched
        self._pool = ThreadPoolExecutor(CHECKS, thread_name_prefix="sign-in")
        self._flights: dict[bytes, asyncio.Future[bool]] = {}  # checks under way, on the loop
        if path is not None:
            self._reload()

    @classmethod
    def from_setting(cls, value: str) -> Users | None:
        """None when sign-in is off (an empty BOT_AUTH)."""
        value = value.strip()
        if not value:
            return None
        if ":" in value and not Path(value).is_file():
            return cls({name: hash_password(pw) for name, pw in parse_pairs(value).items()})
        return cls(path=Path(value).expanduser())

    def _reload(self) -> None:
        assert self._path is not None
        try:
            mtime = self._path.stat().st_mtime
        except OSError:  # the file went away: keep the users read last, if any
            if self._mtime < 0:
                read_password_file(self._path)  # raises, naming the file
            return
        if mtime != self._mtime:
            self._hashes, self._mtime = read_password_file(self._path), mtime
            current = set(self._hashes.values())
            self._verified = {k: v for k, v in self._verified.items() if v in current}

    def _digest(self, name: str, password: str) -> bytes:
        # The name's length first: no other name and password can make the same message.
        return hmac.digest(self._key, f"{len(name)}:{name}{password}".encode(), "sha256")

    def known(self, name: str, password: str) -> bool:
        """Verified before against the user's current hash: no hash to compute (microseconds)."""
        if self._path is not None:
            with contextlib.suppress(AuthError):  # half-edited: the users read last sign in
                self._reload()
        encoded = self._hashes.get(name)
        return encoded is not None and self._verified.get(self._digest(name, password)) == encoded

    def check(self, name: str, password: str) -> bool:
        if self.known(name, password):
            return True
        encoded = self._hashes.get(name)
        if not verify_password(password, encoded or self._dummy) or encoded is None:
            return False
        self._verified[self._digest(name, password)] = encoded
        return True

    async def signs_in(self, name: str, password: str) -> bool:
        """Gradio's auth hook (a coroutine function, so Gradio awaits it rather than taking the
        coroutine for a truthy answer). A known sign-in is answered at once; the others wait in
        the sign-in pool, joining an identical attempt already under way."""
        if self.known(name, password):
            return True
        key = self._digest(name, password)
        flight = self._flights.get(key)
        if flight is None:
            loop = asyncio.get_running_loop()
            flight = loop.run_in_executor(self._pool, self.check, name, password)
            self._flights[key] = flight
            flight.add_done_callback(lambda _: self._flights.pop(key, None))
        return await asyncio.shield(flight)  # one caller giving up does not cancel the others


# ---------------------------------------------------------------- where the app may listen


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost: it may resolve anywhere
        return False


def exposure_error(host: str, share: bool, signed_in: bool, allow_anonymous: bool) -> str | None:
    """Why the app must not start as configured, or None."""
    if signed_in or allow_anonymous:
        return None
    if share:
        where = "a public share link (BOT_SHARE=true)"
    elif not is_loopback(host):
        where = f"BOT_HOST={host or '(empty)'}, which other machines can reach,"
    else:
        return None
    return (
        f"refusing to serve {where} without sign-in. Set BOT_AUTH to user:password pairs or a "
        "password file (python -m bot adduser NAME), or set BOT_ALLOW_ANONYMOUS=true if anyone "
        "on the network may use the bot."
    )


def users_for(auth: str, host: str, share: bool, allow_anonymous: bool) -> Users | None:
    """The users who may sign in (None: no sign-in); AuthError when the app must not start."""
    users = Users.from_setting(auth)
    problem = exposure_error(host, share, users is not None, allow_anonymous)
    if problem:
        raise AuthError(problem)
    return users

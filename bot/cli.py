"""``python -m bot``: ingest, ask, adduser, serve — a thin adapter over the library.

The evaluation is apart from the product: ``python -m evals``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.types import BotError


def _ingest(args: argparse.Namespace) -> int:
    from bot.build import default_index
    from bot.config import get_settings
    from bot.corpus import load_corpus

    settings = get_settings()
    report = default_index(settings).ingest(load_corpus(settings.corpus_dir))
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(
            f"{report.documents} document(s), {report.chunks} chunks: {report.added} added, "
            f"{report.skipped} unchanged, {report.removed} removed"
        )
    if args.warm:
        from bot.build import build_bot

        bot = build_bot(settings, ingest=False)
        bot.warm_up()
        if not args.json:
            print(f"warmed up: {bot.model_name}; translations in {settings.data_dir}")
    return 0


def _read_question(raw: str) -> str:
    # Arguments that were not valid UTF-8 arrive as surrogate escapes.
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BotError("The question is not valid UTF-8 text.") from exc
    return raw


def _ask(args: argparse.Namespace) -> int:
    from bot.build import get_bot

    question = _read_question(args.question if args.question != "-" else sys.stdin.read())
    ans = get_bot().answer(question)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(ans.text)
    for c in ans.citations:
        print(f"  [{c.id}] {c.source} ¶{c.paragraph} [{c.start}:{c.end}] « {c.quote} »")
    for n in ans.notices:
        print(f"  note: {n}")
    if ans.standalone_question != question.strip():
        print(f"  searched: {ans.standalone_question}")
    return 0


def _read_password() -> str:
    if not sys.stdin.isatty():  # scripts: one line on stdin
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise BotError("the two passwords differ")
    return password


def _adduser(args: argparse.Namespace) -> int:
    from bot.auth import add_user, password_file
    from bot.config import get_settings

    settings = get_settings()
    path = args.file or password_file(settings.auth.get_secret_value(), settings.data_dir)
    added = add_user(path, args.name, _read_password())
    print(
        f"added {args.name} to {path}"
        if added
        else f"changed the password of {args.name} in {path}"
    )
    print(f"sign-in is on when the app starts with BOT_AUTH={path}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.ui import launch

    launch()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="index the corpus (adds only what changed)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--warm",
        action="store_true",
        help="then load the LLM and translate the corpus's sentences, as the app does at start "
        "(cached in the data directory)",
    )
    p.set_defaults(func=_ingest)
    p = sub.add_parser("ask", help="answer one question ('-' reads it from stdin)")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.set_defaults(func=_ask)
    p = sub.add_parser("adduser", help="add a user to the password file (or change a password)")
    p.add_argument("name")
    p.add_argument("--file", type=Path, help="password file (default: BOT_AUTH or users.txt)")
    p.set_defaults(func=_adduser)
    p = sub.add_parser("serve", help="serve the web UI")
    p.set_defaults(func=_serve)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

"""`democite`: the command line of a Démocité node. Builds the pieces and runs them.

Domain commands are clients of the node's local admin API; `init`, `run`, `demo`, `verify` and
`audit` work on files directly. Errors print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from node.commands.util import api, data_dir, emit, page_note, short, table
from node.commands.util import command as _cmd

Handler = Callable[[argparse.Namespace], int | None]


# -- node lifecycle ------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> None:
    from node.bootstrap import init_node

    d = data_dir(args)
    info = init_node(d, args.name, args.listen, getattr(args, "network", "") or "", args.public_url or "", args.web_listen or "")
    emit(args, info, lambda i: f"created node '{i['name']}' in {i['data']}\npublic key {i['public_key']}\nstart it with: democite run --data {i['data']}")


def cmd_run(args: argparse.Namespace) -> None:
    import asyncio
    import logging
    import os
    import signal
    from pathlib import Path

    from federation.runtime import running_node
    from federation.service_manager import Notifier, serving
    from node import config as config_mod
    from node.logging_setup import configure

    output = configure(args.log_level, args.log_format, Path(args.log_file) if args.log_file else None)
    log = logging.getLogger("democite.run")

    def say(text: str) -> None:  # a person reads stderr in text mode; a shipper wants only JSON lines
        if args.log_format == "json":
            log.info("%s", text)
        else:
            print(text, file=sys.stderr, flush=True)

    try:
        cfg = config_mod.load(data_dir(args))
        notifier = Notifier.from_env(os.environ)

        def reopen_logs() -> None:
            notifier.reloading()
            try:
                reopened = output.reopen()
            except OSError as exc:  # the old file keeps the lines: the node goes on
                log.error("SIGHUP: cannot reopen the log file %s: %s", output.path, exc.strerror)
            else:
                if reopened:
                    log.info("SIGHUP: log file %s reopened", output.path)
                else:
                    log.info("SIGHUP: logging to stderr, nothing to reopen")
            notifier.reloaded()

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            loop.add_signal_handler(signal.SIGHUP, reopen_logs)
            async with running_node(cfg) as rn:
                say(f"node '{cfg.node.name}' running: peers call {rn.peer_url}, admin API {rn.api_url}")
                async with serving(notifier, f"serving: peers {rn.peer_url}, admin API {rn.api_url}"):
                    await stop.wait()
            say("node stopped cleanly")

        asyncio.run(main())
    finally:
        output.close()


def cmd_demo(args: argparse.Namespace) -> None:
    import asyncio

    from federation.demo.run import run_demo

    if not 2 <= args.nodes <= 32:
        raise SystemExit("democite: error: --nodes must be between 2 and 32")
    if not 1 <= args.seconds <= 3600:
        raise SystemExit("democite: error: --seconds must be between 1 and 3600")
    asyncio.run(run_demo(args.nodes, args.seconds, keep=not args.clean))


# -- log and status --------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> None:
    s = api(args).get("/api/status")
    emit(
        args,
        s,
        lambda s: table(
            [[k, json.dumps(v) if isinstance(v, (list, dict)) else v] for k, v in s.items()], ["field", "value"]
        ),
    )


def cmd_publish(args: argparse.Namespace) -> None:
    try:
        body = json.loads(args.body)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"democite: error: --body is not valid JSON ({exc.msg}); example: --body '{{\"text\": \"bonjour\"}}'") from None
    if not isinstance(body, dict):
        raise SystemExit("democite: error: --body must be a JSON object") from None
    r = api(args).post("/api/publish", {"kind": args.kind, "body": body})
    emit(args, r, lambda r: f"published {r['kind']} #{r['seq']} id {r['id']}")


def cmd_log(args: argparse.Namespace) -> None:
    r = api(args).get("/api/log", author=args.author, kind=args.kind, limit=args.limit, offset=args.offset)
    emit(
        args,
        r,
        lambda r: table(
            [
                [short(x["author"]), x["seq"], x["kind"], "yes" if x["verified"] else "NO", short(x["id"]), json.dumps(x["body"], ensure_ascii=False)[:60]]
                for x in r["records"]
            ],
            ["author", "seq", "kind", "verified", "id", "body"],
        ),
    )
    page_note(args, len(r["records"]), r.get("total"), args.offset)


def cmd_prove(args: argparse.Namespace) -> None:
    from protocol import encoding
    from protocol.proof import open_inclusion_proof

    rid = args.record_id.strip().lower()
    if len(rid) != 64 or set(rid) - set("0123456789abcdef"):
        raise SystemExit("democite: error: RECORD_ID is 64 hexadecimal characters, as `democite log --json` prints it")
    r = api(args).get(f"/api/proof/{rid}", checkpoint=args.checkpoint)
    # checked here too, from the exact bytes: the node's word is not needed, only the author's key
    p = open_inclusion_proof(encoding.decode(bytes.fromhex(r["bundle"])), bytes.fromhex(r["author"]))
    if p.record.id.hex() != r["record_id"] or p.checkpoint.checkpoint.root.hex() != r["checkpoint"]["root"]:
        raise SystemExit("democite: error: the node's summary does not match the proof it sent")
    cp = r["checkpoint"]
    r["verified"] = True
    emit(args, r, lambda r: f"record {r['record_id']}\n{r['kind']} #{r['seq']} by {r['author']}: leaf {r['index']} of {cp['size']}\n"
         f"verified against checkpoint {cp['id']} (size {cp['size']}), root {cp['root']}\n"
         f"audit path: {len(r['path'])} hashes; witnesses: {len(r['witnesses'])}")


def cmd_forks(args: argparse.Namespace) -> None:
    r = api(args).get("/api/forks")
    emit(args, r, lambda r: table([[f["author"], f["seq"], " / ".join(short(i) for i in f["ids"])] for f in r["forks"]], ["author", "seq", "ids"]))


# -- peers and sync --------------------------------------------------------------------------------


def cmd_peer_add(args: argparse.Namespace) -> None:
    r = api(args).post("/api/peers", {"url": args.url, "offline": args.offline})
    emit(args, r, lambda r: f"peer {r['url']} added" + (f": '{r['name']}' {short(r['key'])}" if r.get("key") else " (not reachable yet)"))


def cmd_peer_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/peers")
    emit(
        args,
        r,
        lambda r: table(
            [[p["url"], p["name"], short(p["key"]), p["score"], p["failures"], p["last_error"] or ""] for p in r["peers"]],
            ["url", "name", "key", "score", "failures", "last error"],
        ),
    )


def cmd_peer_remove(args: argparse.Namespace) -> None:
    r = api(args).post("/api/peers/remove", {"url": args.url})
    emit(args, r, f"peer {args.url} removed")


def cmd_sync(args: argparse.Namespace) -> int:
    body = {"url": args.peer} if args.peer else {}
    r = api(args).post("/api/sync", body)
    emit(
        args,
        r,
        lambda r: table(
            [[p["url"], p["name"], p["pulled"], p["forks"], "ok" if p["ok"] else p["error"]["message"]] for p in r["peers"]],
            ["peer", "name", "records pulled", "forks found", "result"],
        )
        if r["peers"]
        else "no peers: add one with `democite peer add URL`",
    )
    failed = [p for p in r["peers"] if not p["ok"]]
    return 1 if failed and len(failed) == len(r["peers"]) else 0


# -- parser ----------------------------------------------------------------------------------------

# One example command line per group, for groups whose module gives none (shown by `GROUP --help`).
GROUP_EXAMPLES = {
    "peer": "democite peer add http://127.0.0.1:8701",
    "evidence": "democite evidence publish",
}


class _Parser(argparse.ArgumentParser):
    """Subcommand parsers inherit this class: a group given no command lists its commands instead of
    only saying that one is required."""

    def error(self, message: str) -> Any:  # argparse's hook; never returns
        subs = next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)), None)
        if subs is None or not message.startswith("the following arguments are required") or str(subs.metavar) not in message:
            super().error(message)
        self.exit(2, self.overview())

    def overview(self) -> str:
        """Usage, one line per command, the example and where to read more."""
        subs = next(a for a in self._actions if isinstance(a, argparse._SubParsersAction))
        names = [a.dest for a in subs._choices_actions]
        width = max(map(len, names))
        lines = [self.format_usage().rstrip(), "", "commands:"]
        lines += [f"  {a.dest.ljust(width)}  {a.help or ''}".rstrip() for a in subs._choices_actions]
        if self.epilog:
            lines += ["", self.epilog]
        lines += ["", f"`{self.prog} {subs.metavar} --help` for more on each"]
        return "\n".join(lines) + "\n"


class _Formatter(argparse.HelpFormatter):
    """Example command lines in an epilog are printed as written, never re-wrapped."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("example"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _finish(parser: argparse.ArgumentParser) -> None:
    """Every parser formats examples as written; a group with no example of its own gets one."""
    parser.formatter_class = _Formatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub.epilog is None and name in GROUP_EXAMPLES and parser.prog == "democite":
                    sub.epilog = f"example: {GROUP_EXAMPLES[name]}"
                _finish(sub)


def build_parser() -> _Parser:
    parser = _Parser(
        prog="democite",
        description="Démocité: a federated node for experimenting territories (DAS, Pactes 21, peer review, twinning, fund).",
        epilog="example: democite demo (then `democite init --help`)",
    )
    from node.version import VERSION

    parser.add_argument("--version", action="version", version=f"democite {VERSION}", help="print democite's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _lifecycle(sub)
    _log_and_status(sub)
    _peers(sub)
    for register in _extensions():
        register(sub)
    _finish(parser)
    return parser


def _lifecycle(sub: Any) -> None:
    """`init`, `run` and `demo`: work on files, no running node needed."""
    p = _cmd(sub, "init", cmd_init, "create a node: config, key (0600), API token, database")
    p.add_argument("--name", required=True, help='the territory\'s name, e.g. "Commune A"')
    p.add_argument("--listen", default="127.0.0.1:8701", help="HOST:PORT the peer API listens on (default 127.0.0.1:8701)")
    p.add_argument("--public-url", default="", help="URL peers should call, if not http://LISTEN")
    p.add_argument("--web-listen", default="", metavar="HOST:PORT",
                   help="serve the sign-in pages and the web interface here (needed to invite accounts); e.g. 127.0.0.1:8702")

    p = _cmd(sub, "run", cmd_run, "run the node in the foreground (SIGTERM or Ctrl-C stops it cleanly)", json_out=False)
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="how much the node logs (default info)")
    p.add_argument("--log-file", metavar="PATH", help="write the log to this file (default: stderr); SIGHUP reopens it, for log rotation")
    p.add_argument("--log-format", default="text", choices=["text", "json"], help="text lines, or one JSON object per line for log shippers (default text)")

    p = _cmd(sub, "demo", cmd_demo, "start a small network of nodes on loopback, let them work, print what happened", data=False, json_out=False)
    p.add_argument("--nodes", type=int, default=5, help="number of territories (default 5)")
    p.add_argument("--seconds", type=int, default=60, help="how long the network runs (default 60)")
    p.add_argument("--clean", action="store_true", help="remove the demo's data folder afterwards (kept by default, for `democite export`/`audit`)")
    p.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)  # the default now; accepted for old scripts


def _log_and_status(sub: Any) -> None:
    """`status`, `publish`, `log`, `prove` and `forks`: this node's log, through its admin API."""
    _cmd(sub, "status", cmd_status, "this node's key, name, log size, peers and forks")

    p = _cmd(sub, "publish", cmd_publish, "sign and append one record to this node's log")
    p.add_argument("--kind", required=True, help="record kind, e.g. note")
    p.add_argument("--body", required=True, help='record body as a JSON object, e.g. \'{"text": "bonjour"}\'')

    p = _cmd(sub, "log", cmd_log, "list the records this node holds (own and replicated), signatures re-verified")
    p.add_argument("--author", help="only this author's log (hex public key)")
    p.add_argument("--kind", help="only this kind (glob, e.g. 'das.*')")
    p.add_argument("--limit", type=int, default=1000, help="at most this many records (default 1000)")
    p.add_argument("--offset", type=int, default=0, help="skip this many records first, to see the next page")

    p = _cmd(sub, "prove", cmd_prove, "inclusion proof of one record in a signed checkpoint of its log, verified here (RFC 6962)")
    p.add_argument("record_id", metavar="RECORD_ID", help="the record's id (64 hex characters, as `democite log --json` prints it)")
    p.add_argument("--checkpoint", help="a checkpoint id (64 hex) or size (default: the newest that covers the record)")

    _cmd(sub, "forks", cmd_forks, "fork proofs this node holds (authors caught signing two histories)")


def _peers(sub: Any) -> None:
    """`peer add|list|remove` and `sync`."""
    peer = sub.add_parser("peer", help="manage the peer table", description="manage the peer table")
    psub = peer.add_subparsers(dest="peer_command", metavar="ACTION", required=True)
    p = _cmd(psub, "add", cmd_peer_add, "add a peer by URL; its key and name are fetched from it")
    p.add_argument("url", help="the peer's URL, e.g. http://127.0.0.1:8701")
    p.add_argument("--offline", action="store_true", help="add it even if it does not answer now")
    _cmd(psub, "list", cmd_peer_list, "list peers with their health and score")
    p = _cmd(psub, "remove", cmd_peer_remove, "remove a peer")
    p.add_argument("url", help="the peer's URL as `peer list` shows it")

    p = _cmd(sub, "sync", cmd_sync, "one sync round with every known peer (or --peer URL), now")
    p.add_argument("--peer", help="only this peer")


def _extensions() -> Sequence[Callable[[Any], None]]:
    """Command groups contributed by the packages (each a `register(subparsers)`)."""
    from federation.commands import audit as audit_commands
    from federation.commands import coop as coop_commands
    from federation.commands import evidence as evidence_commands
    from federation.commands import network as network_commands
    from node.commands import account as account_commands
    from node.commands import backup as backup_commands
    from node.commands import completion as completion_commands
    from node.commands import das as das_commands
    from node.commands import doctor as doctor_commands
    from node.commands import pacte as pacte_commands

    return [
        network_commands.register,
        das_commands.register,
        account_commands.register,
        pacte_commands.register,
        coop_commands.register,
        audit_commands.register,
        evidence_commands.register,
        backup_commands.register,
        doctor_commands.register,
        lambda sub: completion_commands.register(sub, build_parser),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    from protocol.errors import DemociteError

    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # `democite` alone asks what it can do: the command groups, on stdout, success
        sys.stdout.write(parser.overview())
        return 0
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except DemociteError as exc:
        print(f"democite: error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("democite: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"democite: error: {exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else ""), file=sys.stderr)
        return 1
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())

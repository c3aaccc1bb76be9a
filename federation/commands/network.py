"""`democite network ...` and `democite member ...`, and the `--network FILE` option of `init`."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from node import config as config_mod
from node import keys
from node.commands.util import api, data_dir, emit, short, table
from node.commands.util import command as _cmd
from node.errors import ConfigError
from node.genesis import genesis_for, load_genesis, render_genesis
from node.ids import distinct_prefix
from node.state import records_by_network
from protocol.errors import ProtocolError
from protocol.identity import parse_key
from protocol.network import OPEN_NETWORK_ID, Admission, Founder, Genesis


def _resolve_network(path: str) -> str:
    p = Path(path).expanduser().resolve()
    g = load_genesis(p)  # refuse to join a network file we cannot read
    del g
    return str(p)


def cmd_init_with_network(args: argparse.Namespace) -> None:
    """`init` as the core defines it, plus the network file, resolved and checked first."""
    from node.bootstrap import init_node

    network = _resolve_network(args.network) if args.network else ""
    d = data_dir(args)
    info = init_node(d, args.name, args.listen, network, args.public_url or "", args.web_listen or "")
    if network:
        g = load_genesis(Path(network))
        info["network"] = {"name": g.name, "id": g.id.hex()}
    emit(args, info, lambda i: f"created node '{i['name']}' in {i['data']}\npublic key {i['public_key']}\n"
         + (f"network '{i['network']['name']}': ask its members to run `democite member endorse {i['public_key']} --unknown-key`\n" if network else "")
         + (f"web pages on http://{i['web_listen']} (sign-in, invitations)\n" if i.get("web_listen") else "")
         + f"start it with: democite run --data {i['data']}")


def _founder_from_node(d: Path) -> Founder:
    cfg = config_mod.load(d)
    return Founder(keys.load_key(d).public_key, cfg.node.name, cfg.public_url)


def cmd_network_create(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists: a network file is never overwritten (use --force only before the network started)")
    founders: list[Founder] = []
    try:
        for d in args.founder_node or []:
            founders.append(_founder_from_node(Path(d)))
        for key, url, name in args.founder or []:
            founders.append(Founder(parse_key(key), name, url))
        g = Genesis(args.name, Admission(args.admission), tuple(founders), args.description or "")
    except ProtocolError as exc:
        raise ConfigError(f"{exc.message}; founders are --founder-node DATA_DIR or --founder KEY URL NAME") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_genesis(g))
    info = {"file": str(out), "name": g.name, "id": g.id.hex(), "admission": str(g.admission),
            "founders": [{"name": f.name, "key": f.key.hex(), "url": f.url} for f in g.founders]}
    emit(args, info, lambda i: f"wrote network '{i['name']}' ({len(i['founders'])} founders) to {i['file']}\n"
         f"network id {i['id']}\neach founder joins with: democite network join {i['file']} --data DATA_DIR")


def _refuse_foreign_records(d: Path, target: Genesis, path: str) -> None:
    """Records name their network and are signed: they can never move to another one. A node
    holding some would be refused by every member of the new network, for good."""
    held = {net: n for net, n in asyncio.run(records_by_network(d)).items() if net != target.id}
    if not held:
        return
    net = max(held, key=lambda k: held[k])
    current = genesis_for(config_mod.load(d))
    if net == current.id:
        name = "the open network" if net == OPEN_NETWORK_ID else f"network '{current.name}'"
    else:
        name = f"network {net.hex()[:12]}"
    total = sum(held.values())
    raise ConfigError(
        f"this node already holds {total} record{'s' if total > 1 else ''} of {name} (signed for it, they cannot move): "
        f"create a fresh node for network '{target.name}' with `democite init --data NEW_DIR --network {path}` "
        f"and have its members endorse the new key, or keep {d} on {name}"
    )


def cmd_network_join(args: argparse.Namespace) -> None:
    d = data_dir(args)
    path = _resolve_network(args.file)
    cfg_file = d / config_mod.CONFIG_FILE
    try:
        text = cfg_file.read_text()
    except FileNotFoundError:
        raise ConfigError(f"no node at {d}: create one with `democite init --data {d} --network {path}`") from None
    _refuse_foreign_records(d, load_genesis(Path(path)), path)
    line = f'network = "{path}"'
    if re.search(r"^network\s*=.*$", text, flags=re.M):
        text = re.sub(r"^network\s*=.*$", line, text, count=1, flags=re.M)
    elif re.search(r"^\[federation\]\s*$", text, flags=re.M):
        text = re.sub(r"^\[federation\]\s*$", "[federation]\n" + line, text, count=1, flags=re.M)
    else:
        text = text.rstrip("\n") + "\n\n[federation]\n" + line + "\n"
    tmp = cfg_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, cfg_file)
    config_mod.load(d)  # the config still loads
    g = load_genesis(Path(path))
    emit(args, {"data": str(d), "network": g.name, "id": g.id.hex()},
         lambda i: f"node {i['data']} now belongs to network '{i['network']}' ({short(i['id'])}); restart it to apply")


def _when(ms: int | None) -> str:
    if not ms:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def cmd_network_status(args: argparse.Namespace) -> None:
    r = api(args).get("/api/network")

    def human(r: dict[str, Any]) -> str:
        n = r["network"]
        keys = [m["key"] for m in r["members"]]
        rows = [
            [m["name"] + (" (this node)" if m["me"] else ""), distinct_prefix(m["key"], keys), m["status"] + (" FROZEN" if m["frozen"] else ""),
             m["log_size"], f"{m['checkpoint']['size']} / {m['checkpoint']['witnesses']}" if m["checkpoint"] else "-",
             _when(m["last_seen"]), "-" if m["score"] is None else m["score"], m["lacking"]]
            for m in r["members"]
        ]
        head = f"network '{n['name']}' ({n['admission']}) id {short(n['id'])}: {len(rows)} territories, forks {r['forks']}, records lacking {r['lacking']}"
        return head + "\n" + table(rows, ["territory", "key", "status", "log size", "checkpoint / witnesses", "last seen (UTC)", "score", "lacking"])

    emit(args, r, human)


def _who(key: str, name: str) -> str:
    return f"{name} ({key})" if name else key


def cmd_member_endorse(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"key": args.key}
    if args.note:
        body["note"] = args.note
    if args.unknown_key:
        body["unknown_key"] = True
    r = api(args).post("/api/members/endorse", body)
    emit(args, r, lambda r: f"{'already endorsed' if r['already'] else 'endorsed'} {_who(r['candidate'], r['name'])}: "
         f"{r['endorsements']} of {r['needed']} endorsements needed, now {r['status']}")


def cmd_member_remove(args: argparse.Namespace) -> None:
    body = {"key": args.key}
    if args.reason:
        body["reason"] = args.reason
    r = api(args).post("/api/members/remove", body)
    emit(args, r, lambda r: f"{'already asked' if r['already'] else 'asked'} to remove {_who(r['member'], r['name'])}: "
         f"{r['removals']} of {r['needed']} needed, now {r['status']}")


def cmd_member_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/members")
    emit(args, r, lambda r: ("open network: everyone is admitted\n" if r["open"] else f"a candidate needs {r['needed']} endorsements\n") + table(
        [[m["name"] + (" (this node)" if m["me"] else ""), m["key"], m["status"] + (" (founder)" if m["founder"] else ""),
          len(m["endorsed_by"]), "FROZEN" if m["frozen"] else ""] for m in r["members"]],
        ["territory", "key", "status", "endorsements", "frozen"]))


def cmd_key_rotate(args: argparse.Namespace) -> None:
    r = api(args).post("/api/keys/rotate", {})
    emit(args, r, lambda r: f"key rotated at record {r['rotation_seq']}: new key {r['new']}\n"
         f"the old key ({short(r['old'])}) signs nothing more; its file is kept as {r['retired_key_file']}")



_TERRITORY = "a key (64 hex), an unambiguous key prefix (8+ hex) or a name, among the territories this node knows"


def register(sub: Any) -> None:
    init = sub.choices.get("init")
    if init is not None:
        init.add_argument("--network", default="", help="the network file (genesis) to join, e.g. configs/networks/together.toml")
        init.set_defaults(func=cmd_init_with_network)

    raw = argparse.RawDescriptionHelpFormatter
    net = sub.add_parser("network", help="the network: create its file, join it, see its state", description="the network of territories",
                         formatter_class=raw, epilog="example:\n  democite network create --name TOGETHER --out together.toml "
                         "--founder-node ./a --founder-node ./b\n  democite network join together.toml --data ./a")
    nsub = net.add_subparsers(dest="network_command", metavar="ACTION", required=True)
    p = _cmd(nsub, "create", cmd_network_create, "write a network file (genesis) naming the founders and the admission rule", data=False)
    p.add_argument("--name", required=True, help='the network\'s name, e.g. "TOGETHER"')
    p.add_argument("--out", required=True, help="where to write it, e.g. configs/networks/together.toml")
    p.add_argument("--admission", default="majority", choices=[a.value for a in Admission],
                   help="majority (default): a candidate joins when more than half of the members endorse it; open: everyone")
    p.add_argument("--description", default="", help='one line about the network, e.g. "Territoires en transition"')
    p.add_argument("--founder-node", action="append", metavar="DATA_DIR", help="a founder from its node folder (key, name, URL), e.g. ./a")
    p.add_argument("--founder", action="append", nargs=3, metavar=("KEY", "URL", "NAME"),
                   help='a founder by public key, URL and name, e.g. --founder 2065e5...886f http://127.0.0.1:8701 "Commune A"')
    p.add_argument("--force", action="store_true", help="overwrite an existing file (only before the network started)")
    p = _cmd(nsub, "join", cmd_network_join,
             "make an existing node a member of a network file (restart it afterwards); refused when it holds another network's records")
    p.add_argument("file", help="the network file, e.g. configs/networks/together.toml")
    _cmd(nsub, "status", cmd_network_status, "every member and candidate: log size, checkpoint witnesses, last seen, score, frozen, lacking")

    mem = sub.add_parser("member", help="membership: endorse, remove, list", description="membership votes and the member list",
                         formatter_class=raw, epilog='example:\n  democite member endorse 2065e591 --data ./a\n'
                         '  democite member endorse "Commune C" --data ./a\n  democite member list --data ./a')
    msub = mem.add_subparsers(dest="member_command", metavar="ACTION", required=True)
    p = _cmd(msub, "endorse", cmd_member_endorse,
             "endorse a candidate: it joins with more than half of the members (endorsing twice changes nothing)")
    p.add_argument("key", metavar="TERRITORY", help=f"the candidate: {_TERRITORY}")
    p.add_argument("--note", default="", help='why you endorse it, e.g. "met at the assembly of 2026-11-12"')
    p.add_argument("--unknown-key", action="store_true",
                   help="endorse a full key this node never heard of (a candidate no member endorsed yet): check it first")
    p = _cmd(msub, "remove", cmd_member_remove, "ask for a member's removal: it leaves with more than half of the members")
    p.add_argument("key", metavar="TERRITORY", help=f"the member: {_TERRITORY}")
    p.add_argument("--reason", default="", help='why, e.g. "left the network"')
    _cmd(msub, "list", cmd_member_list, "members, candidates, endorsements and frozen authors")

    key = sub.add_parser("key", help="this node's signing key", description="this node's signing key",
                         formatter_class=raw, epilog="example:\n  democite key rotate --data ./a")
    ksub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    _cmd(ksub, "rotate", cmd_key_rotate, "sign a key.rotate record with the old key naming a new key, then use the new key")

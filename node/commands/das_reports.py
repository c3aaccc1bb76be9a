"""`democite das statement(s)|summary|prove|verify-proof|ledger ...`: statements, summaries,
disclosures and the ledger. `verify-proof` is the one command that works offline, without a node.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from node.commands.das_util import drop_unset, fmt_hm, write_or_print
from node.commands.util import api, emit, page_note, table
from node.das import render

# -- statements ------------------------------------------------------------------------------


def statement(args: argparse.Namespace) -> None:
    fmt = "json" if args.json else args.format
    wire_fmt = fmt if fmt in ("json", "csv", "html") else "json"
    if args.number is not None:
        r = api(args).get(f"/api/das/statements/{args.number}", format=wire_fmt, lang=args.lang)
    else:
        if not args.person or not args.period:
            raise SystemExit("democite: error: give --person and --period (or --number N to show an issued statement)")
        r = api(args).post("/api/das/statements", drop_unset({"person": args.person, "period": args.period, "correct": args.correct,
                                                         "format": wire_fmt, "lang": args.lang}))
    if fmt == "json":
        write_or_print(args, json.dumps(r, ensure_ascii=False, indent=2))
    elif fmt in ("csv", "html"):
        write_or_print(args, r)
    else:
        write_or_print(args, render.text(r, args.lang))


def statements(args: argparse.Namespace) -> None:
    if args.issue:
        if not args.period:
            raise SystemExit("democite: error: --issue needs --period")
        r = api(args).post("/api/das/statements/issue", drop_unset({"period": args.period, "correct": args.correct}))
        emit(args, r, lambda r: f"{r['period']}: {r['issued']} statements issued"
             + (f" (numbers {r['first']} to {r['last']})" if r["issued"] else "") + f", {r['unchanged']} unchanged"
             + (f", {r['changed_not_corrected']} changed since issued (re-run with --correct)" if r["changed_not_corrected"] else ""))
        return
    r = api(args).get("/api/das/statements", person=args.person, period=args.period, limit=args.limit, offset=args.offset)
    emit(args, r, lambda r: table(
        [[s["number"], s["person"] or "(erased)", s["period"], s["issued_on"], fmt_hm(s["minutes"]), f"{s['cents'] / 100:.2f}",
          s["corrects"] or "", s["superseded_by"] or ""] for s in r["statements"]],
        ["number", "person", "period", "issued", "time", "credit", "corrects", "superseded by"]))
    page_note(args, len(r["statements"]), r.get("total"), args.offset)


# -- summaries, proofs, ledger -----------------------------------------------------------------


def summary_publish(args: argparse.Namespace) -> None:
    r = api(args).post("/api/das/summaries", {"period": args.period})
    b = r["body"]

    def human(r: dict[str, Any]) -> str:
        shown = "suppressed (fewer than k persons)" if b["persons"].get("suppressed") else f"{b['persons']['persons']} persons"
        return f"published das.summary #{r['seq']} for {r['period']} (k={b['k']}): {shown}; statements root {b['statements_root'][:16]}…\nid {r['id']}"

    emit(args, r, human)


def summary_preview(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/summaries/preview", period=args.period)
    emit(args, r, _summary_text)


def _cell(c: Any) -> str:
    """One published cell: its counts, or why it is hidden."""
    if not isinstance(c, dict):
        return str(c)
    if c.get("suppressed"):
        return "hidden (fewer than k persons)"
    return ", ".join(fmt_hm(v) if k == "minutes" else f"{v / 100:.2f}" if k == "cents" else f"{v} {k}" for k, v in c.items())


def _summary_text(b: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    for key, value in b.items():
        if key in ("period", "k", "currency", "statements", "statements_root", "corrects"):
            continue
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()) and "suppressed" not in value:
            rows += [[f"{key}: {name}", _cell(c)] for name, c in value.items()]
        else:
            rows.append([key, _cell(value)])
    return (f"das.summary preview for {b['period']} (k={b['k']}, currency {b['currency']}); nothing is signed\n"
            + table(rows, ["cell", "published value"])
            + f"\nstatements tree: {b['statements']} leaves, root {b['statements_root'][:16]}…")


def summary_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/summaries", period=args.period)
    emit(args, r, lambda r: table([[s["period"], s["statements"], s["id"][:16], s["root"][:16]] for s in r["summaries"]],
                                  ["period", "tree size", "record id", "root"]))


def prove(args: argparse.Namespace) -> None:
    if args.attach:
        r = api(args).post(f"/api/das/statements/{args.statement}/attach", {})
    else:
        r = api(args).get(f"/api/das/statements/{args.statement}/proof")
    write_or_print(args, json.dumps(r, indent=2))


def verify_proof(args: argparse.Namespace) -> int:
    from protocol.das import verify_disclosure
    from protocol.errors import ProtocolError
    from protocol.identity import parse_key

    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except ValueError:
        raise SystemExit(f"democite: error: {args.file} is not JSON") from None
    except RecursionError:  # json's parser recurses; a disclosure nests a few levels only
        raise SystemExit(f"democite: error: {args.file} nests too deeply to be a disclosure") from None
    try:
        v = verify_disclosure(doc, parse_key(args.author) if args.author else None)
    except ProtocolError as exc:
        if args.json:
            emit(args, {"valid": False, "error": exc.message}, "")
        print(f"democite: error: disclosure does NOT verify: {exc.message}", file=sys.stderr)
        return 1
    out = {"valid": True, "author": v.author.hex(), "summary": v.summary_id.hex(), "period": v.period, "statement": v.statement}
    emit(args, out, lambda o: f"valid: statement {o['statement'].get('number')} ({fmt_hm(o['statement'].get('minutes', 0))}, "
         f"{o['statement'].get('cents', 0) / 100:.2f} {o['statement'].get('currency', '')}) is counted in das.summary {o['summary'][:16]} "
         f"for {o['period']} signed by {o['author'][:16]}" + ("" if args.author else " (check that key is the territory's)"))
    return 0


def ledger_spend(args: argparse.Namespace) -> None:
    r = api(args).post("/api/das/ledger/spend", drop_unset({"person": args.person, "cents": args.cents, "merchant": args.merchant, "memo": args.memo}))
    emit(args, r, lambda r: f"{r['id']}\nbalance now {r['balance_cents'] / 100:.2f}")


def ledger_balance(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/ledger/balance", person=args.person)
    if args.person:
        emit(args, r, lambda r: f"{r['balance_cents'] / 100:.2f}")
    else:
        emit(args, r, lambda r: table([[a["account"], a["holder"] or "", f"{a['balance_cents'] / 100:.2f}"] for a in r["accounts"]],
                                      ["account", "holder", "balance"]))


def ledger_export(args: argparse.Namespace) -> None:
    write_or_print(args, api(args).get("/api/das/ledger/export"))

"""`democite das project|entry|import ...`: the local programme, activity entries and the CSV
import with its progress bar (clients of the admin API).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from node.commands.das_util import drop_unset, fields, print_id, when
from node.commands.util import api, emit, page_note, table
from node.das import rules

# -- projects --------------------------------------------------------------------------------


def project_add(args: argparse.Namespace) -> None:
    body = drop_unset({"title": args.title, "sdg": args.sdg, "coordinator": args.coordinator, "kind": args.kind, "theme": args.theme,
                       "person": args.person})
    print_id(args, api(args).post("/api/das/projects", body))


def project_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/projects", status=args.status)
    emit(args, r, lambda r: table(
        [[p["id"], p["title"], p["sdg"], p["kind"], p.get("holder") or "", p["coordinator"] or "", p["status"], p["decision"] or ""]
         for p in r["projects"]],
        ["id", "title", "sdg", "kind", "holder", "coordinator", "status", "decision"]))


def project_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/projects/{args.project}")
    emit(args, r, lambda r: fields([
        ("project", r["id"]), ("title", r["title"]), ("sdg", r["sdg"]), ("theme", r["theme"] or ""), ("kind", r["kind"]),
        ("published as", r["category"]), ("holder", r.get("holder") or "(a project of the programme)"),
        ("coordinator", r["coordinator"] or "(none)"), ("status", r["status"]),
        ("decision", f"{r['decision']} ({r['decision_date']})" if r["decision"] else ""),
    ]) + "\n\n" + table([[when(h["at"]), h["from"] or "-", h["to"], h["note"]] for h in r["history"]], ["when (UTC)", "from", "to", "note"]))


def project_move(action: rules.ProjectEvent) -> Any:
    def run(args: argparse.Namespace) -> None:
        body = drop_unset({"decision": getattr(args, "decision", None), "date": getattr(args, "date", None), "note": args.note})
        r = api(args).post(f"/api/das/projects/{args.project}/{action}", body)
        emit(args, r, lambda r: f"project {r['id']} is {r['status']}")

    return run


# -- entries ---------------------------------------------------------------------------------


def entry_add(args: argparse.Namespace) -> None:
    body = drop_unset({"person": args.person, "project": args.project, "date": args.date, "minutes": args.minutes,
                   "competence": args.competence, "note": args.note})
    print_id(args, api(args).post("/api/das/entries", body))


def entry_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/entries", person=args.person, project=args.project, status=args.status, limit=args.limit, offset=args.offset)
    emit(args, r, lambda r: table(
        [[e["id"], e["person"], e["project"], e["date"], e["minutes"], e["competence"], e["status"], e["corrects"] or "",
          e["recorded_by"] or "", e["decided_by"] or ""] for e in r["entries"]],
        ["id", "person", "project", "date", "minutes", "competence", "status", "corrects", "recorded by", "decided by"]))
    page_note(args, len(r["entries"]), r.get("total"), args.offset)


def entry_review(action: str) -> Any:
    def run(args: argparse.Namespace) -> None:
        body = drop_unset({"reason": getattr(args, "reason", None)})
        r = api(args).post(f"/api/das/entries/{args.entry}/{action}", body)
        emit(args, r, lambda r: f"entry {r['id']} {r['status']} by {r['decided_by']['account']} ({r['decided_by']['role']})")

    return run


def entry_correct(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/das/entries/{args.entry}/correct", {"minutes": args.minutes, "reason": args.reason})
    emit(args, r, lambda r: f"{r['id']}\ncorrecting entry {r['id']} ({r['minutes']:+d} min) waits for the coordinator's validation")


# -- import ----------------------------------------------------------------------------------


def import_csv(args: argparse.Namespace) -> int:
    path = Path(args.file).resolve()
    if not path.is_file():
        raise SystemExit(f"democite: error: no file {args.file}")
    bar = sys.stderr.isatty() and not args.json
    report: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    for ev in api(args).stream("/api/das/import", drop_unset({"path": str(path), "kind": args.kind})):
        if "progress" in ev and bar:
            total = max(ev["total"], 1)
            done = ev["progress"] * 30 // total
            print(f"\r{ev['phase']:5} [{'#' * done}{'.' * (30 - done)}] {ev['progress']}/{ev['total']}", end="", file=sys.stderr, flush=True)
        elif "report" in ev:
            report = ev["report"]
        elif "error" in ev:
            error = ev["error"]
    if bar:
        print(file=sys.stderr)
    if error is not None:
        if args.json:
            emit(args, {"error": error}, "")
        print(f"democite: error: {error['message']}", file=sys.stderr)
        return 1
    assert report is not None
    emit(args, report, lambda r: f"imported {r['imported']} {r['kind']} from {r['lines']} lines in {r['seconds']} s "
         f"({r['per_second']}/s); nothing else changed")
    return 0

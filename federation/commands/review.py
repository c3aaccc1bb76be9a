"""`democite review ...`: peer review from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from federation.coop.review import frameworks_json
from node.commands.util import api, command, data_dir, emit, short, table


def _scores(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not value.strip().lstrip("-").isdigit():
            raise SystemExit(f"democite: error: --score takes CRITERION=N, e.g. --score participation=3 (got '{item[:40]}')")
        out[key.strip()] = int(value)
    return out


def cmd_request(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"target": args.target, "reviewers": args.reviewers, "framework": args.framework}
    if args.message:
        body["message"] = args.message
    if args.unknown_key:
        body["unknown_key"] = True
    r = api(args).post("/api/review/request", body)
    emit(args, r, lambda r: f"review requested: {r['id']}")


def cmd_publish(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"target": args.target, "framework": args.framework, "scores": _scores(args.score or []), "verdict": args.verdict}
    if args.comments:
        body["comments"] = args.comments
    r = api(args).post("/api/review", body)
    emit(args, r, lambda r: f"review published: {r['id']}")


def cmd_respond(args: argparse.Namespace) -> None:
    r = api(args).post("/api/review/respond", {"review": args.review, "text": args.text})
    emit(args, r, lambda r: f"response published: {r['id']}")


def cmd_frameworks(args: argparse.Namespace) -> None:
    # frameworks are files (the node's own, then the shipped ones): no running node needed
    r = frameworks_json(data_dir(args))
    emit(args, r, lambda r: "\n\n".join(
        f"{f['id']} v{f['version']}: {f['title'].get('fr', '')} / {f['title'].get('en', '')}\n"
        + table([[c["key"], c["name"].get("fr", ""), c["name"].get("en", ""), f"{c['min']}-{c['max']}"] for c in f["criteria"]],
                ["criterion", "fr", "en", "scale"])
        + f"\nverdicts: {', '.join(f['verdicts'])}"
        for f in r["frameworks"]))


def _list_text(r: dict[str, Any]) -> str:
    rows = [["received", x["id"], x["reviewer_name"] or short(x["reviewer"]), short(x["target"]), x["verdict"],
             " ".join(f"{k}={v}" for k, v in x["scores"].items()), len(x["responses"])] for x in r["received"]]
    rows += [["given", x["id"], x["about_name"] or short(x["about"]), short(x["target"]), x["verdict"],
              " ".join(f"{k}={v}" for k, v in x["scores"].items()), len(x["responses"])] for x in r["given"]]
    out = [table(rows, ["", "review id", "territory", "record", "verdict", "scores", "responses"]) if rows else "no reviews yet"]
    for period, per in r["averages"].items():
        out.append(f"averages {period}: " + ", ".join(f"{k} {v['average']} (n={v['count']})" for k, v in per.items()))
    for q in r["requests_to_me"]:
        out.append(f"review requested by {q['from_name'] or short(q['from'])} of record {q['target']} ({q['framework']})")
    return "\n".join(out)


def cmd_list(args: argparse.Namespace) -> None:
    emit(args, api(args).get("/api/review", about=args.about), _list_text)


EXAMPLE = """example:
  democite review request --data ./a --target RECORD_ID --reviewer "Quartier B"
  democite review publish --data ./b --target RECORD_ID --score participation=3 ... --verdict on-track
  democite review list --data ./a --about 2065e591"""

_TERRITORY = "its key (64 hex), an unambiguous key prefix (8+ hex) or its name"


def register(sub: Any) -> None:
    p = command(sub, "request", cmd_request, "ask chosen peers to review one of this territory's records")
    p.add_argument("--target", required=True, help="id of one of our records (a DAS summary, a pact evaluation, a twinning report)")
    p.add_argument("--reviewer", dest="reviewers", action="append", required=True, metavar="TERRITORY",
                   help=f"a peer territory: {_TERRITORY}; repeat for several")
    p.add_argument("--framework", default="democite21", help="review framework id (default democite21)")
    p.add_argument("--message", help='a word to the reviewers, e.g. "our DAS summary for 2026"')
    p.add_argument("--unknown-key", action="store_true", help="name a full key this node never heard of (check it first)")
    p = command(sub, "publish", cmd_publish, "publish a review of another territory's record")
    p.add_argument("--target", required=True, help="id of the reviewed record")
    p.add_argument("--framework", default="democite21", help="review framework id (default democite21)")
    p.add_argument("--score", action="append", metavar="CRITERION=N", help="one per criterion, e.g. participation=3")
    p.add_argument("--verdict", required=True, help="one of the framework's verdicts, e.g. on-track")
    p.add_argument("--comments", help='what the reviewer saw, e.g. "strong participation, little on energy"')
    p = command(sub, "respond", cmd_respond, "answer a review of this territory")
    p.add_argument("review", help="the review's id (64 hex)")
    p.add_argument("--text", required=True, help='the answer, e.g. "thank you: we start an energy plan in 2027"')
    p = command(sub, "list", cmd_list, "reviews received and given, with averages per criterion per year")
    p.add_argument("--about", metavar="TERRITORY", help=f"a territory: {_TERRITORY} (default: this territory)")
    command(sub, "frameworks", cmd_frameworks, "review frameworks this node knows (configs/frameworks/*.toml)")

"""Peer review between territories: frameworks from files, requests, reviews, responses, averages.

Frameworks are TOML files: first `<data>/frameworks/*.toml` (a node's own), then the project's
`configs/frameworks/*.toml`, shipped as package data, so an editable install, `pip install .` and
a wheel all find them without configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import configs
from federation.coop.members import load_entries, names
from node.config import read_toml
from node.errors import ConfigError, Invalid
from node.service import Node
from protocol import review
from protocol.actor import Actor, acted
from protocol.coop import Entry
from protocol.errors import ProtocolError

PROJECT_FRAMEWORKS = configs.path("frameworks")  # package data: present in a wheel install too


def framework_dirs(data_dir: Path) -> list[Path]:
    return [data_dir / "frameworks", PROJECT_FRAMEWORKS]


def load_frameworks(data_dir: Path) -> dict[str, review.Framework]:
    """Every framework file found, the node's own first; a broken file is named, not skipped silently."""
    out: dict[str, review.Framework] = {}
    for d in framework_dirs(data_dir):
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.toml")):
            try:
                fw = review.Framework.from_mapping(read_toml(f, "review framework", f"review framework {f} vanished"))
            except ConfigError as exc:
                raise Invalid(f"{exc.message}; fix or remove it") from None
            except ProtocolError as exc:
                raise Invalid(f"{f}: {exc.message}") from None
            out.setdefault(fw.id, fw)
    return out


def framework(node: Node, fid: str) -> review.Framework:
    fws = load_frameworks(node.config.data_dir)
    if fid not in fws:
        raise Invalid(f"no review framework '{fid[:64]}'; known: {', '.join(sorted(fws)) or 'none'} (files in configs/frameworks/)")
    return fws[fid]


async def _entry(node: Node, rid: bytes) -> Entry | None:
    r = await node.logs.record_by_id(rid)
    if r is None:
        return None
    return Entry(r.id, r.author, r.seq, r.ts, r.kind, r.body)


async def request_review(node: Node, target: bytes, reviewers: list[bytes], fid: str, message: str = "",
                         actor: Actor | None = None) -> bytes:
    framework(node, fid)
    t = await _entry(node, target)
    if t is None or t.author != node.public_key:
        raise Invalid("a review is requested for one of this territory's own records: give its id (see `democite log`)")
    if not reviewers or node.public_key in reviewers:
        raise Invalid("name one or more peers to review, not this territory itself")
    body: dict[str, Any] = {"target": target, "reviewers": reviewers, "framework": fid}
    if message:
        body["message"] = message
    return (await node.publish("review.request", acted(body, actor))).id


async def publish_review(node: Node, target: bytes, fid: str, scores: dict[str, int], verdict: str, comments: str = "",
                         actor: Actor | None = None) -> bytes:
    fw = framework(node, fid)
    t = await _entry(node, target)
    try:
        review.check_review(node.public_key, t, fw, scores, verdict)
    except ProtocolError as exc:
        raise Invalid(exc.message) from None
    assert t is not None
    body: dict[str, Any] = {"target": target, "about": t.author, "framework": fid, "scores": scores, "verdict": verdict}
    if comments:
        body["comments"] = comments
    return (await node.publish("review", acted(body, actor))).id


async def respond(node: Node, rid: bytes, text: str, actor: Actor | None = None) -> bytes:
    try:
        review.check_response(node.public_key, await _entry(node, rid))
    except ProtocolError as exc:
        raise Invalid(exc.message) from None
    return (await node.publish("review.response", acted({"review": rid, "text": text}, actor))).id


async def overview(node: Node, about: bytes | None = None) -> dict[str, Any]:
    """Reviews received and given (or about one territory), with averages per criterion per year."""
    entries = await load_entries(node, ["review", "review.*"])
    who = await names(node)
    me = node.public_key
    reviews = review.valid_reviews(entries)
    responses: dict[bytes, list[Entry]] = {}
    for e in entries:
        if e.kind == "review.response":
            responses.setdefault(e.ref("review"), []).append(e)

    def view(e: Entry) -> dict[str, Any]:
        answers = [r for r in responses.get(e.id, []) if r.author == e.ref("about")]
        return {
            "id": e.id.hex(), "ts": e.ts, "target": e.ref("target").hex(),
            "reviewer": e.author.hex(), "reviewer_name": who.get(e.author, ""),
            "about": e.ref("about").hex(), "about_name": who.get(e.ref("about"), ""),
            "framework": e.body["framework"], "scores": dict(e.body["scores"]), "verdict": e.body["verdict"],
            "comments": e.body.get("comments", ""), "responses": [{"id": r.id.hex(), "text": r.body["text"]} for r in answers],
        }

    subject = about or me
    received = [e for e in reviews if e.ref("about") == subject]
    given = [e for e in reviews if e.author == subject]
    avg = {
        period: {k: {"average": _hundredths(s, n), "count": n} for k, (s, n) in sorted(per.items())}
        for period, per in sorted(review.averages(received).items())
    }
    requests = [
        {"id": e.id.hex(), "from": e.author.hex(), "from_name": who.get(e.author, ""), "target": e.ref("target").hex(),
         "framework": e.body["framework"], "message": e.body.get("message", "")}
        for e in entries
        if e.kind == "review.request" and me in e.body.get("reviewers", [])
        and not any(r.author == me and r.ref("target") == e.ref("target") for r in reviews)
    ]
    return {"about": subject.hex(), "received": [view(e) for e in received], "given": [view(e) for e in given],
            "averages": avg, "requests_to_me": requests}


def _hundredths(total: int, count: int) -> str:
    """total/count rounded to 2 decimals, in integers (no float ever reaches a view)."""
    h = (total * 100 + count // 2) // count
    return f"{h // 100}.{h % 100:02d}"


def frameworks_json(data_dir: Path) -> dict[str, Any]:
    """The frameworks a node at `data_dir` knows (its own, then the shipped ones): files only, so
    the CLI can list them without a running node."""
    fws = load_frameworks(data_dir)
    return {
        "frameworks": [
            {"id": f.id, "version": f.version, "title": dict(f.title), "verdicts": list(f.verdicts),
             "criteria": [{"key": c.key, "name": dict(c.name), "min": c.min, "max": c.max} for c in f.criteria]}
            for f in fws.values()
        ]
    }

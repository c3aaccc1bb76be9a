"""Societal Activity Rights at territory scale: import, a quarter's statements, a summary.

Builds a territory of N persons (default 20,000) with E entries each over a year (default 50),
imports it through the same CSV import as `democite das import` (checked line by line, one
transaction), then times issuing every statement of 2026-Q1 and publishing that quarter's signed
summary. Targets: import >= 20,000 entries/s; a quarter's statements < 30 s; a summary < 5 s.

Usage: python bench/das.py [PERSONS] [ENTRIES_PER_PERSON]
Last line: {"persons": N, "entries": M, "entries_per_s": X, "statements_seconds": S, "summary_seconds": T}
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node import config as config_mod  # noqa: E402
from node.accounts.principal import Principal  # noqa: E402
from node.bootstrap import init_node  # noqa: E402
from node.das import rules  # noqa: E402
from node.das.importer import run_import  # noqa: E402
from node.das.service import DasService  # noqa: E402
from node.service import Node  # noqa: E402

YEAR = dt.date(2026, 1, 1)
HOURS = 60  # per person and year: about 15 h a quarter, above the 13 entries of at most 1 h a quarter gets
PROJECTS = 200
EMPLOYERS = 300


async def _import(svc: DasService, text: str) -> dict[str, Any]:
    report: dict[str, Any] = {}
    async for ev in run_import(svc, text, None, Principal.owner()):
        report = ev.get("report", report)
    return report


def build(n: int, per: int, rng: random.Random) -> dict[str, str]:
    employers = ["name,kind"] + [f"employer-{i:04d},{'public' if i % 4 == 0 else 'private'}" for i in range(EMPLOYERS)]
    statuses = ("employee", "employee", "employee", "civil-servant", "self-employed", "volunteer", "student", "retired", "jobseeker")
    persons = ["pseudonym,status,employer"]
    contracts = ["person,hours,from,to,paper_consent"]
    employed = []
    for i in range(n):
        status = statuses[i % len(statuses)]
        emp = f"employer-{rng.randrange(EMPLOYERS):04d}" if status in ("employee", "civil-servant") else ""
        persons.append(f"b-{i:06d},{status},{emp}")
        contracts.append(f"b-{i:06d},{HOURS},2026-01-01,2026-12-31,convention {i}")
        employed.append(i)
    coordinators = ["pseudonym,status"] + [f"coord-{j:03d},volunteer" for j in range(PROJECTS)]
    entries = ["person,project,date,minutes,validated_by"]
    step = 365 / per
    for i in range(n):
        for k in range(per):
            day = YEAR + dt.timedelta(days=min(364, int(k * step) + rng.randrange(max(1, int(step)))))
            project = rng.randrange(PROJECTS) + 1
            entries.append(f"b-{i:06d},{project},{day.isoformat()},{rng.randrange(3, 13) * 5},coord-{project - 1:03d}")
    return {
        "employers": "\n".join(employers) + "\n",
        "persons": "\n".join(persons) + "\n",
        "coordinators": "\n".join(coordinators) + "\n",
        "contracts": "\n".join(contracts) + "\n",
        "entries": "\n".join(entries) + "\n",
    }


async def main(n: int, per: int) -> None:
    rng = random.Random(21)
    t0 = time.perf_counter()
    files = build(n, per, rng)
    m = files["entries"].count("\n") - 1
    print(f"built {n:,} persons and {m:,} entries ({len(files['entries']) / 1e6:.0f} MB of CSV) in {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "node"
        init_node(d, "bench", "127.0.0.1:0")
        node = await Node.open(config_mod.load(d))
        svc = DasService(node)
        try:
            for name in ("employers", "persons", "coordinators", "contracts"):
                r = await _import(svc, files[name])
                print(f"imported {r['imported']:,} {name} in {r['seconds']:.2f} s")
            for j in range(PROJECTS):
                p = await svc.add_project(f"Project {j}", j % 17 + 1, f"coord-{j:03d}", "programme", "health" if j % 20 == 0 else None)
                await svc.project_transition(p["id"], rules.ProjectEvent.VALIDATE, f"Assemblée territoriale 2026-01-1{j % 10} n°{j}", None, "")
            start = time.perf_counter()
            r = await _import(svc, files["entries"])
            import_s = time.perf_counter() - start
            assert r["imported"] == m, r
            per_s = m / import_s
            print(f"imported {m:,} entries in {import_s:.2f} s: {per_s:,.0f} entries/s (target >= 20,000)")
            start = time.perf_counter()
            issued = await svc.issue_all("2026-Q1", correct=False)
            statements_s = time.perf_counter() - start
            print(f"issued {issued['issued']:,} statements of 2026-Q1 in {statements_s:.2f} s (target < 30 s)")
            start = time.perf_counter()
            pub = await svc.publish_summary("2026-Q1")
            summary_s = time.perf_counter() - start
            body = pub["body"]
            print(f"published das.summary #{pub['seq']} of 2026-Q1 in {summary_s:.2f} s (target < 5 s): "
                  f"{body['given'].get('minutes', 0) / 60:,.0f} h given, tree of {body['statements']:,} leaves")
        finally:
            await node.close()
    print(json.dumps({"persons": n, "entries": m, "entries_per_s": round(per_s), "statements_seconds": round(statements_s, 3),
                      "summary_seconds": round(summary_s, 3)}))


if __name__ == "__main__":
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    per_person = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    asyncio.run(main(persons, per_person))

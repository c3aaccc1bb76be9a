"""Read views of a pact: its state as JSON (indicators against targets, commitments by state) and history CSV.

Views depend only on the fold (no clock), so the derived table that stores them rebuilds identically.
"""

from __future__ import annotations

import json
from typing import Any

from node import csvout
from protocol.pacte import Certificate, Commitment, CommitmentState, Evaluation, Pact, SalaryShare, TaskForce, date_of
from protocol.pacte_bodies import Criterion


def pact_view(author: bytes, pact: Pact) -> dict[str, Any]:
    latest = _latest_measures(pact)
    by_state: dict[str, list[dict[str, Any]]] = {s.value: [] for s in CommitmentState}
    for c in pact.commitments.values():
        by_state[c.state.value].append(_commitment_view(c))
    return {
        "id": pact.id.hex(),
        "author": author.hex(),
        "title": pact.title,
        "vision": pact.vision,
        "scope": pact.scope,
        "created": date_of(pact.ts),
        "horizon": pact.horizon,
        "years": [pact.start_year, pact.years[-1]],
        "partners": [
            {"org": p.org, "kind": p.org_kind, "contact_role": p.contact_role, "since": p.since} for p in pact.partners.values()
        ],
        "taskforces": [_taskforce_view(tid, tf, latest) for tid, tf in pact.taskforces.items()],
        "commitments": by_state,
        "commitment_counts": {k: len(v) for k, v in by_state.items()},
        "salary_shares": [_salary_share_view(s) for s in sorted(pact.salary.values(), key=lambda s: (s.year, s.partner))],
        "injected_cents_by_year": {str(y): v for y, v in pact.injected_by_year().items()},
        "evaluations": [_evaluation_view(e) for e in sorted(pact.evaluations.values(), key=lambda e: e.year)],
        "certificates": [_certificate_view(c) for c in pact.certificates.values()],
    }


def _taskforce_view(tid: bytes, tf: TaskForce, latest: dict[tuple[bytes, str], tuple[int, int]]) -> dict[str, Any]:
    budget: dict[str, int] = {}
    for line in tf.budget:
        budget[str(line.year)] = budget.get(str(line.year), 0) + line.cents
    return {
        "id": tid.hex(),
        "mission": tf.mission,
        "governance": tf.governance,
        "members": tf.members,
        "criteria": [_criterion_view(cr, latest.get((tid, cr.indicator))) for cr in tf.criteria],
        "budget": [{"year": b.year, "source": b.source, "cents": b.cents} for b in tf.budget],
        "budget_by_year": budget,
    }


def _criterion_view(cr: Criterion, measured: tuple[int, int] | None) -> dict[str, Any]:
    """A criterion against its latest published measure (year, value), if any."""
    progress = None
    if measured is not None and cr.target != cr.baseline:
        progress = (measured[1] - cr.baseline) * 100 // (cr.target - cr.baseline)
    return {
        "kind": cr.kind,
        "indicator": cr.indicator,
        "unit": cr.unit,
        "baseline": cr.baseline,
        "target": cr.target,
        "measured": measured[1] if measured else None,
        "measured_year": measured[0] if measured else None,
        "progress_percent": progress,
    }


def _commitment_view(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.id.hex(),
        "taskforce": c.taskforce.hex(),
        "partner": c.partner,
        "deliverable": c.deliverable,
        "due": c.due,
        "indicator": c.indicator,
        "state": c.state.value,
        "transitions": [
            {"date": t.date, "ts": t.ts, "from": t.from_state.value, "to": t.to_state.value, "by": t.by, "note": t.note,
             "actor": {"account": t.actor[0], "role": t.actor[1]} if t.actor else None}
            for t in c.transitions
        ],
    }


def _salary_share_view(s: SalaryShare) -> dict[str, Any]:
    return {
        "partner": s.partner,
        "year": s.year,
        "percent": f"{s.share_bp // 100}.{s.share_bp % 100:02d}",
        "share_bp": s.share_bp,
        "payroll_cents": s.payroll_cents,
        "injected_cents": s.injected_cents,
    }


def _evaluation_view(e: Evaluation) -> dict[str, Any]:
    return {
        "id": e.id.hex(),
        "year": e.year,
        "published": e.published,
        "assessment": e.assessment,
        "adjustments": e.adjustments,
        "taskforces": [
            {
                "taskforce": r.taskforce.hex(),
                "measures": dict(r.measures),
                "met": r.met,
                "missed": r.missed,
                "spent_cents": r.spent_cents,
                "planned_cents": r.planned_cents,
            }
            for r in e.results
        ],
    }


def _certificate_view(c: Certificate) -> dict[str, Any]:
    return {
        "id": c.id.hex(),
        "org": c.org,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "status": c.status,
        "revoke_reason": c.revoke_reason,
        "renews": c.renews.hex() if c.renews else None,
        "evidence": [x.hex() for x in c.evidence],
        "credential_id": c.credential.get("id"),
    }


def _latest_measures(pact: Pact) -> dict[tuple[bytes, str], tuple[int, int]]:
    """(task force, indicator) -> (year, value) from the latest published evaluation measuring it."""
    out: dict[tuple[bytes, str], tuple[int, int]] = {}
    for ev in sorted(pact.evaluations.values(), key=lambda e: e.year):
        if not ev.published:
            continue
        for r in ev.results:
            for indicator, value in r.measures:
                out[(r.taskforce, indicator)] = (ev.year, value)
    return out


def history_csv(rows: list[dict[str, Any]]) -> str:
    w = csvout.Writer()
    w.writerow(["seq", "date", "ts", "kind", "id", "body"])
    for r in rows:
        w.writerow([r["seq"], r["date"], r["ts"], r["kind"], r["id"], json.dumps(r["body"], ensure_ascii=False, sort_keys=True)])
    return w.getvalue()

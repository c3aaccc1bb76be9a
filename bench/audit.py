"""Benchmark: audit a bundle of N records (default 100,000) and compare with bare Ed25519 verification.

    python bench/audit.py [--records N] [--authors K]

Bundle generation is not timed. The audit is timed end to end on the bundle's bytes (parse,
every signature, canonical decode, schema, chain, Merkle roots at every kept checkpoint,
consistency proofs). Bare verification is PyNaCl's verify of the same record signatures, in the
same run. The last line is JSON: {"records", "seconds", "records_per_s", "verify_per_s", "ratio"}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from protocol.audit.build import LogSpec, build_bundle, keep_checkpoint  # noqa: E402
from protocol.audit.engine import audit  # noqa: E402
from protocol.audit.logs import roots_at  # noqa: E402
from protocol.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from protocol.identity import Domain, Identity, verify  # noqa: E402
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID  # noqa: E402
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record  # noqa: E402

T0 = 1_790_000_000_000


def make_log(who: Identity, n: int) -> LogSpec:
    recs: list[SignedRecord] = []
    prev = GENESIS_PREV
    for seq in range(1, n + 1):
        body = {"text": f"compte rendu de l'activité sociétale n°{seq}"}
        r = sign_record(who, Record(1, OPEN_NETWORK_ID, who.public_key, seq, prev, T0 + seq * 60_000, "note", body))
        recs.append(r)
        prev = r.id
    sizes = [s for s in range(1, n + 1) if keep_checkpoint(s, n, False)]
    roots = roots_at([r.id for r in recs], sizes)
    cps = [sign_checkpoint(who, Checkpoint(OPEN_NETWORK_ID, who.public_key, s, roots[s], T0 + s)) for s in sizes]
    return LogSpec(who.public_key, recs, cps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--authors", type=int, default=10)
    args = ap.parse_args()
    n, k = args.records, max(1, args.authors)
    idents = [Identity(hashlib.sha256(f"territoire {i}".encode()).digest()) for i in range(k)]
    t = time.perf_counter()
    logs = [make_log(who, n // k + (1 if i < n % k else 0)) for i, who in enumerate(idents)]
    data = build_bundle(idents[0], OPEN_NETWORK_ID, T0, logs, dict(OPEN_NETWORK_GENESIS))
    print(f"built a {len(data)}-byte bundle of {n} records from {k} territories in {time.perf_counter() - t:.1f}s", file=sys.stderr)

    t = time.perf_counter()
    report = audit(data)
    seconds = time.perf_counter() - t
    if not report.ok or report.records != n:
        raise SystemExit(f"benchmark bundle did not audit clean: {[f.reason for f in report.findings][:3]}")

    sample = [r for log in logs for r in log.records][: min(n, 20_000)]
    t = time.perf_counter()
    for r in sample:
        verify(r.author, Domain.RECORD, r.id, r.sig)
    verify_per_s = len(sample) / (time.perf_counter() - t)
    records_per_s = n / seconds
    print(f"audit: {seconds:.2f}s for {n} records; bare Ed25519 verification: {verify_per_s:.0f}/s", file=sys.stderr)
    print(json.dumps({
        "records": n,
        "seconds": round(seconds, 3),
        "records_per_s": round(records_per_s, 1),
        "verify_per_s": round(verify_per_s, 1),
        "ratio": round(records_per_s / verify_per_s, 3),
    }))


if __name__ == "__main__":
    main()

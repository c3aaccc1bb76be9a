"""Benchmark: bytes and round trips to reconcile 10,000 log heads with 0 to 1,000 differences.

Runs the real `protocol.reconcile` state machine on both sides in memory (the HTTP driver sends
exactly these messages), next to the cost of sending the full list of heads, and next to the
theory: about d * branch * log_branch(n) fingerprints when d heads of n differ.
Last line: one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from protocol import encoding  # noqa: E402
from protocol.reconcile import FP_BYTES, Reconciler, head_item, run_local  # noqa: E402

HEADS = 10_000
DIFFS = (0, 1, 10, 100, 1000)
BRANCH, LEAF = 4, 8


def main() -> None:
    rng = random.Random(7)
    authors = [hashlib.sha256(b"author" + i.to_bytes(4, "big")).digest() for i in range(HEADS)]
    sizes = [rng.randint(1, 5000) for _ in range(HEADS)]
    roots = [hashlib.sha256(a + s.to_bytes(8, "big")).digest() for a, s in zip(authors, sizes, strict=True)]
    base = [head_item(a, s, r) for a, s, r in zip(authors, sizes, roots, strict=True)]
    full = len(encoding.encode({"heads": [[a, s, r] for a, s, r in zip(authors, sizes, roots, strict=True)]}))
    out_bytes: dict[str, int] = {}
    out_trips: dict[str, int] = {}
    print(f"reconciling {HEADS} heads (branch {BRANCH}, leaf {LEAF}); the full list of heads is {full} bytes")
    print(f"{'differences':>12} {'bytes':>8} {'round trips':>12} {'theory d*b*log_b(n)*fp':>24} {'vs full list':>13}")
    for d in DIFFS:
        changed = base[:]
        for i in rng.sample(range(HEADS), d):
            # that head moved on: a bigger log with a new root
            changed[i] = head_item(authors[i], sizes[i] + 1, hashlib.sha256(roots[i]).digest())
        ex = run_local(Reconciler(base, BRANCH, LEAF), Reconciler(changed, BRANCH, LEAF))
        theory = int(d * BRANCH * math.log(HEADS, BRANCH) * FP_BYTES) if d else 2 * FP_BYTES
        out_bytes[str(d)], out_trips[str(d)] = ex.bytes, ex.round_trips
        print(f"{d:>12} {ex.bytes:>8} {ex.round_trips:>12} {theory:>24} {ex.bytes / full:>12.1%}")
    print(json.dumps({"heads": HEADS, "bytes": out_bytes, "round_trips": out_trips, "full_list_bytes": full}))


if __name__ == "__main__":
    main()

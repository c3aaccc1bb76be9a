"""A fresh node pulls a 100,000-record log from a running peer over loopback.

Prints wall time, bytes on the wire and records/s, next to bare Ed25519 verification measured in
the same run. Both nodes are real (HTTP on 127.0.0.1, SQLite files, signed requests).
Usage: python bench/sync.py [N]
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bare_verify_per_s, make_log, parallel_verify_per_s  # noqa: E402
from federation.peer.peering import sync_round  # noqa: E402
from federation.runtime import running_node  # noqa: E402
from node import config as config_mod  # noqa: E402
from node.bootstrap import init_node  # noqa: E402


async def main(n: int) -> None:
    ident, records = make_log(n)
    verify = bare_verify_per_s(records)
    verify2 = parallel_verify_per_s(records)
    print(f"bare Ed25519 verification: {verify:,.0f} /s on one thread (the baseline), {verify2:,.0f} /s on two threads")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("a", "b"):
            init_node(Path(tmp) / name, f"bench {name}", "127.0.0.1:0")
        async with running_node(config_mod.load(Path(tmp) / "a")) as a, running_node(config_mod.load(Path(tmp) / "b")) as b:
            page = a.config.federation.page_size
            for i in range(0, n, page):
                r = await a.node.ingest(ident.public_key, [x.wire() for x in records[i : i + page]])
                assert r.error is None
            print(f"peer A holds a log of {n} records")
            await b.node.peers.upsert(a.peer_url, a.node.public_key, "a", b.node.clock())
            start = time.perf_counter()
            reports = await sync_round(b.node, b.session, traffic=b.traffic)
            elapsed = time.perf_counter() - start
            assert not reports[0].error, reports[0].error
            head = await b.node.logs.head(ident.public_key)
            assert head is not None and head.size == n
            wire = b.traffic.sent + b.traffic.received
    rate = n / elapsed
    print(f"B pulled {n} records in {elapsed:.2f} s, {wire:,} bytes on the wire ({wire / n:.0f} per record)")
    print(f"{rate:,.0f} records/s end to end: {rate / verify:.0%} of bare verification")
    print(json.dumps({"records": n, "seconds": round(elapsed, 2), "bytes": wire, "records_per_s": round(rate),
                      "verify_per_s": round(verify), "ratio": round(rate / verify, 3),
                      "verify_2threads_per_s": round(verify2), "ratio_2threads": round(rate / verify2, 3)}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))

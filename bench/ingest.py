"""Records verified and stored per second by one node, next to bare Ed25519 verification.

Builds a 100,000-record log of ~300-byte records, ingests it into a fresh node's SQLite store in
pages (signature on the exact bytes, canonical decoding, chain, Merkle nodes, one transaction per
page), and divides by the bare verification rate measured in the same run.
Usage: python bench/ingest.py [N]
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
from node import config as config_mod  # noqa: E402
from node.bootstrap import init_node  # noqa: E402
from node.service import Node  # noqa: E402


async def main(n: int) -> None:
    t0 = time.perf_counter()
    ident, records = make_log(n)
    size = sum(len(r.raw) for r in records) / n
    print(f"built {n} signed records of {size:.0f} bytes in {time.perf_counter() - t0:.1f} s")
    verify = bare_verify_per_s(records)
    verify2 = parallel_verify_per_s(records)
    print(f"bare Ed25519 verification: {verify:,.0f} /s on one thread (the baseline), {verify2:,.0f} /s on two threads")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "node"
        init_node(d, "bench", "127.0.0.1:0")
        node = await Node.open(config_mod.load(d))
        try:
            page = node.config.federation.page_size
            pages = [[r.wire() for r in records[i : i + page]] for i in range(0, n, page)]
            start = time.perf_counter()
            # a two-stage pipeline (what `Node.verify_page` / `ingest_verified` allow): verify page
            # k+1 (two threads) while page k is written (the SQLite thread)
            pending = asyncio.ensure_future(node.verify_page(ident.public_key, pages[0]))
            for k in range(len(pages)):
                verified = await pending
                if k + 1 < len(pages):
                    pending = asyncio.ensure_future(node.verify_page(ident.public_key, pages[k + 1]))
                result = await node.ingest_verified(ident.public_key, verified, cursor="bench")
                assert result.error is None and result.accepted == len(pages[k]), result.to_json()
            elapsed = time.perf_counter() - start
            head = await node.logs.head(ident.public_key)
            assert head is not None and head.size == n
        finally:
            await node.close()
    rate = n / elapsed
    print(f"ingested {n} records in {elapsed:.2f} s: {rate:,.0f} records/s ({rate / verify:.0%} of one-thread bare verification, "
          f"{rate / verify2:.0%} of two-thread)")
    print(json.dumps({"records": n, "ingest_per_s": round(rate), "verify_per_s": round(verify), "ratio": round(rate / verify, 3),
                      "verify_2threads_per_s": round(verify2), "ratio_2threads": round(rate / verify2, 3)}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))

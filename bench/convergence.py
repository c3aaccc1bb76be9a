"""Benchmark: gossip rounds until every node holds a new record.

1. An in-process simulation of 1,000 nodes: the real reconciliation state machine
   (`protocol.reconcile`) on every exchange, a simulated transport, synchronous rounds in which
   every node runs push-pull with `fanout` random peers. 20 runs: median and worst.
2. A real run: 16 `democite run` processes on loopback gossiping by themselves; a record is
   published on one node and we count gossip intervals until all 16 hold it.

Printed next to log2(n) and HashiCorp Serf's published convergence model (about 11 rounds for
1,000 nodes at fanout 3). Last line: one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from protocol.reconcile import Item, Reconciler, head_item, run_local  # noqa: E402

NODES = 1000
FANOUT = 3
RUNS = 20
BASE_LOGS = 40
REAL_NODES = 16
REAL_TRIALS = 5
REAL_INTERVAL_S = 1.0
SERF_1000_FANOUT3 = 11


def simulate(rng: random.Random, n: int = NODES, fanout: int = FANOUT) -> tuple[int, int]:
    """Rounds until all n nodes hold the new head of node 0's log, and bytes reconciled."""
    base = [head_item(hashlib.sha256(b"log%d" % i).digest(), 10, hashlib.sha256(b"root%d" % i).digest()) for i in range(BASE_LOGS)]
    new_head = head_item(base[0].key, 11, hashlib.sha256(b"new root").digest())
    updated = [new_head, *base[1:]]
    has = [False] * n
    has[0] = True
    sets: dict[bool, list[Item]] = {False: base, True: updated}
    rounds, total = 0, 0
    while not all(has):
        rounds += 1
        snapshot = has[:]
        for a in range(n):
            for b in rng.sample(range(n - 1), fanout):
                b = b + 1 if b >= a else b  # a random peer other than a
                if snapshot[a] == snapshot[b]:
                    continue  # identical sets: one tiny exchange settles it (measured in bench/reconcile.py)
                ra, rb = Reconciler(sets[snapshot[a]]), Reconciler(sets[snapshot[b]])
                total += run_local(ra, rb).bytes
                # push-pull: after the exchange each side fetches what the other had
                if new_head.key in ra.need and ra.need[new_head.key] == new_head:
                    has[a] = True
                if new_head.key in rb.need and rb.need[new_head.key] == new_head:
                    has[b] = True
        if rounds > 100:
            raise RuntimeError("the simulation did not converge")
    return rounds, total


def real_run() -> list[int]:
    """Start REAL_NODES processes, publish REAL_TRIALS records, count gossip intervals to reach all."""
    from node.api.client import ApiClient
    from node.bootstrap import init_node
    from node.config import render_toml

    exe = Path(sys.executable).parent / "democite"
    cmd = [str(exe)] if exe.exists() else [sys.executable, str(ROOT / "cli.py")]
    tmp = Path(tempfile.mkdtemp(prefix="democite-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    rounds: list[int] = []
    try:
        ports = []
        for i in range(REAL_NODES):
            d = tmp / f"n{i}"
            import socket

            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            ports.append(port)
            init_node(d, f"Territoire {i + 1}", f"127.0.0.1:{port}")
            (d / "node.toml").write_text(render_toml(f"Territoire {i + 1}", f"127.0.0.1:{port}") + f"gossip_interval_s = {REAL_INTERVAL_S}\n")
            procs.append(subprocess.Popen([*cmd, "run", "--data", str(d), "--log-level", "error"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT))
        apis = []
        for i in range(REAL_NODES):
            for _ in range(100):
                if (tmp / f"n{i}" / "run" / "api.json").exists():
                    break
                time.sleep(0.1)
            apis.append(ApiClient(tmp / f"n{i}", timeout_s=30))
        rng = random.Random(3)
        for i in range(REAL_NODES):
            for j in rng.sample([k for k in range(REAL_NODES) if k != i], 3):
                apis[i].post("/api/peers", {"url": f"http://127.0.0.1:{ports[j]}", "offline": True})
        time.sleep(4 * REAL_INTERVAL_S)  # profiles spread: peers learn each other
        for t in range(REAL_TRIALS):
            origin = t % REAL_NODES
            before = [a.get("/api/status")["records"] for a in apis]
            apis[origin].post("/api/publish", {"kind": "note", "body": {"text": f"mesure {t}"}})
            start = time.monotonic()
            waiting = set(range(REAL_NODES)) - {origin}
            while waiting and time.monotonic() - start < 60:
                for i in list(waiting):
                    if apis[i].get("/api/status")["records"] > before[i]:
                        waiting.discard(i)
                time.sleep(0.05)
            elapsed = time.monotonic() - start
            rounds.append(max(1, math.ceil(elapsed / REAL_INTERVAL_S)))
            print(f"  real run {t + 1}: all {REAL_NODES} nodes hold the record after {elapsed:.2f} s ({rounds[-1]} gossip intervals)", flush=True)
            time.sleep(REAL_INTERVAL_S)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return rounds


def main() -> None:
    rng = random.Random(int(os.environ.get("BENCH_SEED", "11")))
    print(f"in-process simulation: {NODES} nodes, fanout {FANOUT}, push-pull with real reconciliation, {RUNS} runs")
    results = []
    t0 = time.monotonic()
    for r in range(RUNS):
        rounds, total = simulate(rng)
        results.append(rounds)
        print(f"  run {r + 1:2}: {rounds} rounds, {total} bytes reconciled", flush=True)
    med, worst = statistics.median(results), max(results)
    print(f"rounds median {med}, worst {worst}  (log2(n) = {math.log2(NODES):.1f}; Serf's model ~{SERF_1000_FANOUT3} rounds at "
          f"{NODES} nodes, fanout {FANOUT}; target <= 9)  [{time.monotonic() - t0:.1f} s]")
    print(f"real run: {REAL_NODES} processes on loopback, gossip every {REAL_INTERVAL_S} s, fanout {FANOUT}")
    real = real_run()
    real_med = statistics.median(real) if real else None
    print(f"real rounds median {real_med} (log2({REAL_NODES}) = {math.log2(REAL_NODES):.0f})")
    print(json.dumps({"nodes": NODES, "rounds_median": med, "rounds_max": worst, "real_nodes": REAL_NODES, "real_rounds_median": real_med}))


if __name__ == "__main__":
    main()

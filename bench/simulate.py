"""Benchmark: the deterministic simulation over many seeds (issue #18).

Runs `--seeds` worlds of `--nodes` real nodes (default 1,000 seeds of 20 nodes), the fault
profiles taken in turn (lossy, partition, crash, skew, hostile, all), on `--jobs` processes.
Prints the runs per profile, the faults injected, every invariant violation with the command that
replays it, and the rounds to converge after the last heal (median and worst). Last line: one
JSON object {"seeds", "violations", "faults", "rounds_after_heal_median", "rounds_after_heal_max"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from federation.sim.__main__ import replay_command  # noqa: E402
from federation.sim.run import Outcome, run_one, scratch  # noqa: E402
from federation.sim.world import Template  # noqa: E402

PROFILES = ("lossy", "partition", "crash", "skew", "hostile", "all")


def _one(job: tuple[int, int, int, str, str]) -> Outcome:
    seed, nodes, steps, profile, template = job
    tpl = Template(Path(template).parent, Path(template))
    return asyncio.run(run_one(seed, nodes, steps, profile, tpl))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--steps", type=int, default=40)
    # one more process than cores: each spends part of its time waiting on its SQLite threads
    parser.add_argument("--jobs", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--first", type=int, default=1, help="the first seed")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="democite-simbench-", dir=scratch()) as tmp:
        template = asyncio.run(Template(Path(tmp)).database())
        jobs = [(s, args.nodes, args.steps, PROFILES[s % len(PROFILES)], str(template))
                for s in range(args.first, args.first + args.seeds)]
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            outcomes = []
            for o in pool.imap_unordered(_one, jobs, chunksize=4):
                outcomes.append(o)
                if len(outcomes) % 50 == 0:
                    print(f"  {len(outcomes)} seeds in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    report(sorted(outcomes, key=lambda o: o.seed), time.perf_counter() - started)


def report(outcomes: list[Outcome], elapsed: float) -> None:
    faults: Counter[str] = Counter()
    by_profile: Counter[str] = Counter()
    for o in outcomes:
        faults.update(o.faults)
        by_profile[o.profile] += 1
    bad = [o for o in outcomes if o.violations]
    rounds = [o.rounds_after_heal for o in outcomes]
    print(f"{len(outcomes)} seeds of {outcomes[0].nodes} nodes, {outcomes[0].steps} steps each, in {elapsed:.0f} s")
    print("runs per profile: " + ", ".join(f"{k} {v}" for k, v in sorted(by_profile.items())))
    print(f"faults injected: {sum(faults.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())) + ")")
    print(f"rounds to converge after the last heal: median {statistics.median(rounds)}, worst {max(rounds)}")
    print(f"runs breaking an invariant: {len(bad)}")
    for o in bad[:20]:
        print(f"  seed {o.seed}: {o.violations[0]}\n    replay: {replay_command(o)}")
    print(json.dumps({
        "seeds": len(outcomes), "violations": sum(len(o.violations) for o in outcomes), "faults": sum(faults.values()),
        "rounds_after_heal_median": statistics.median(rounds), "rounds_after_heal_max": max(rounds),
    }))


if __name__ == "__main__":
    if os.environ.get("PYTHONHASHSEED") != "0":  # one hash seed, so every run replays as the CLI runs it
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    main()

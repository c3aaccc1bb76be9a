"""`python -m federation.sim --seed S --nodes N --steps K [--faults PROFILE]`: run one world, print
its summary; the same seed prints the same bytes. A run that breaks an invariant exits 1 and
prints the command that replays it."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from federation.sim.profiles import DEFAULT, PROFILES
from federation.sim.run import Outcome, run_one


def replay_command(o: Outcome) -> str:
    return f"python -m federation.sim --seed {o.seed} --nodes {o.nodes} --steps {o.steps} --faults {o.profile}"


def summary(o: Outcome) -> str:
    lines = [
        f"seed {o.seed}: {o.nodes} nodes, {o.steps} steps, faults '{o.profile}'",
        "events: " + ", ".join(f"{k} {v}" for k, v in sorted(o.events.items())),
        f"faults injected: {o.fault_count} (" + ", ".join(f"{k} {v}" for k, v in sorted(o.faults.items())) + ")",
        f"converged {o.rounds_after_heal} rounds after the last heal; {o.records} records; state {o.digest}",
        "end: " + ", ".join(f"{k} {v}" for k, v in o.state.items()),
    ]
    if o.violations:
        lines.append(f"VIOLATIONS: {len(o.violations)}")
        lines += [f"  {v}" for v in o.violations[:20]]
        lines.append(f"replay: {replay_command(o)}")
    else:
        lines.append("invariants: all held")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m federation.sim", description=__doc__)
    parser.add_argument("--seed", type=int, required=True, help="the seed every random choice comes from")
    parser.add_argument("--nodes", type=int, default=8, help="territories in the world (4 to 64, default 8)")
    parser.add_argument("--steps", type=int, default=400, help="steps of faults and acts before the heal (default 400)")
    parser.add_argument("--faults", default=DEFAULT, choices=sorted(PROFILES), help=f"fault profile (default {DEFAULT})")
    args = parser.parse_args(argv)
    if not 4 <= args.nodes <= 64:
        parser.error("--nodes is from 4 to 64")
    if not 1 <= args.steps <= 100_000:
        parser.error("--steps is from 1 to 100000")
    outcome = asyncio.run(run_one(args.seed, args.nodes, args.steps, args.faults))
    print(summary(outcome))
    return 1 if outcome.violations else 0


if __name__ == "__main__":
    # sets of keys iterate in hash order: one hash seed for every run, or a seed would not replay
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-m", "federation.sim", *sys.argv[1:]])
    sys.exit(main())

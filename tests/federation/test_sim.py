"""The deterministic simulation (federation.sim): small worlds break no invariant, a seed replays
byte for byte, a failing run names the command that replays it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from federation.sim.__main__ import summary
from federation.sim.run import Outcome, run_one, scratch
from federation.sim.world import Template

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ("lossy", "partition", "crash", "skew", "hostile", "all")


async def test_thirty_small_worlds_break_no_invariant(tmp_path) -> None:
    template = Template(tmp_path)
    bad, slow = [], []
    for seed in range(1, 31):
        o = await run_one(seed, 4, 20, PROFILES[seed % len(PROFILES)], template, Path(scratch() or tmp_path))
        if o.violations:
            bad.append(summary(o))
        if o.rounds_after_heal > 8:
            slow.append(f"seed {seed}: {o.rounds_after_heal} rounds after the heal")
    assert not bad, "\n\n".join(bad)
    assert not slow, slow


async def test_the_same_seed_gives_the_same_run(tmp_path) -> None:
    template = Template(tmp_path)
    a = await run_one(11, 5, 40, "all", template)
    b = await run_one(11, 5, 40, "all", template)
    assert summary(a) == summary(b)
    assert a.fault_count > 0 and a.digest
    c = await run_one(12, 5, 40, "all", template)
    assert summary(c) != summary(a)


def _sim(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}  # the command sets its own
    return subprocess.run([sys.executable, "-m", "federation.sim", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_the_command_prints_the_same_bytes_twice() -> None:
    a, b = _sim("--seed", "3", "--nodes", "4", "--steps", "20"), _sim("--seed", "3", "--nodes", "4", "--steps", "20")
    assert a.returncode == 0, a.stdout + a.stderr
    assert a.stdout == b.stdout and "invariants: all held" in a.stdout


def test_a_failing_run_prints_the_command_that_replays_it() -> None:
    o = Outcome(42, 20, 40, "partition", violations=["node 3 and node 0 hold different honest logs"])
    text = summary(o)
    assert "VIOLATIONS: 1" in text
    assert text.splitlines()[-1] == "replay: python -m federation.sim --seed 42 --nodes 20 --steps 40 --faults partition"


def test_bad_arguments_are_one_line_errors() -> None:
    r = _sim("--seed", "1", "--nodes", "2")
    assert r.returncode == 2 and "--nodes is from 4 to 64" in r.stderr and "Traceback" not in r.stderr

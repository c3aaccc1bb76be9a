"""The one-command demo: a network that converges, catches its equivocating clone, and stops."""

from __future__ import annotations

from federation.demo.run import run_demo


async def test_demo_catches_the_clone_and_leaves_nothing(capsys) -> None:
    result = await run_demo(3, 5, seed=1)
    out = capsys.readouterr().out
    assert "forks detected: 1" in out and result["forks"] == 1
    assert "all nodes stopped; removed" in out
    assert result["published"] > 0

"""`democite completion bash|zsh`: a script generated from the parser, that the shell accepts."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import run_cli


async def test_bash_script_holds_the_command_groups_and_parses() -> None:
    rc, out, err = await run_cli("completion", "bash")
    assert rc == 0, err
    top = next(ln for ln in out.splitlines() if ln.startswith("_shtab_democite_subparsers="))
    groups = set(top.split("=(", 1)[1].rstrip(")").split())
    assert {"das", "pacte", "network", "member", "peer", "review", "twin", "fund", "audit", "doctor", "completion"} <= groups
    assert "_shtab_democite_das_subparsers=" in out  # a group's own commands complete too
    assert "_shtab_compgen_dirs" in out  # --data completes folder names
    done = subprocess.run(["bash", "-n"], input=out, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_zsh_script_is_a_compdef() -> None:
    rc, out, _ = await run_cli("completion", "zsh")
    assert rc == 0
    assert out.startswith("#compdef democite") and "pacte" in out
    if shutil.which("zsh") is None:  # .ci/run installs zsh; a machine without it can only check the header
        pytest.skip("zsh is not installed here: its syntax check is skipped")
    done = subprocess.run(["zsh", "-n"], input=out, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_an_unknown_shell_is_refused_with_the_choices() -> None:
    rc, _, err = await run_cli("completion", "fish")
    assert rc == 2
    assert "choose from 'bash', 'zsh'" in err or "choose from bash, zsh" in err

"""`democite completion bash|zsh`: a script generated from the parser, that the shell accepts."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import run_cli


async def test_bash_script_holds_the_command_groups_and_parses() -> None:
    rc, out, err = await run_cli("completion", "bash")
    assert rc == 0, err
    for group in ("das", "pacte", "network", "member", "peer", "doctor", "completion", "--data"):
        assert group in out, group
    done = subprocess.run(["bash", "-n"], input=out, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_zsh_script_is_a_compdef() -> None:
    rc, out, _ = await run_cli("completion", "zsh")
    assert rc == 0
    assert out.startswith("#compdef democite") and "pacte" in out
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed here: its syntax check is skipped")
    done = subprocess.run(["zsh", "-n"], input=out, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_an_unknown_shell_is_refused_with_the_choices() -> None:
    rc, _, err = await run_cli("completion", "fish")
    assert rc == 2
    assert "choose from 'bash', 'zsh'" in err or "choose from bash, zsh" in err

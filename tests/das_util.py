"""DAS helpers for tests: a contract binds only once its parties accepted it, so tests that act as
the owner record the parties' signed paper, the way the office does (`--paper-consent`)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from federation.runtime import RunningNode
from tests.conftest import call_api

PAPER_REF = "convention (tests)"
PAPER = ("--paper-consent", PAPER_REF)  # for `das contract add|accept|amend` on the command line


async def bind_contract(rn: RunningNode, no: int, ref: str = PAPER_REF) -> dict[str, Any]:
    """The office records every party's signed paper for contract `no`: it binds."""
    status, body = await call_api(rn, "POST", f"/api/das/contracts/{no}/accept", {"paper_consent": ref})
    assert status == 200 and body["binding"], body
    return dict(body)


async def run_cli_as(token: str, *argv: str) -> tuple[int, str, str]:
    """`democite ARGV...` in its own process with DEMOCITE_TOKEN set: the command acts as that account."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", *argv,
        env={**os.environ, "DEMOCITE_TOKEN": token}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()

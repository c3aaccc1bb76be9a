"""The whole admin API against its own OpenAPI document, with schemathesis, on a real node.

Every operation of `/api/openapi.json` gets a few generated requests (valid per the document,
then invalid ones) with the bearer token; each answer must not be a 5xx and must match the
document (status, content type, JSON schema). The run is bounded (a few examples per operation,
derandomized: the same requests every time) and the node it talks to runs in a thread of its own
with its own event loop, since schemathesis calls are blocking.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from federation.runtime import RunningNode, running_node
from node import config as config_mod
from node.bootstrap import init_node

EXAMPLES = 12  # per operation and mode; about 90 operations, two modes
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Left out, and why:
EXCLUDED = {
    # dials whatever URL it is given to learn the peer's key (and `offline` puts it in the gossip
    # table): generated URLs would leave loopback
    ("POST", "/api/peers"),
    # swaps the node's signing key: every later write would run under another identity
    ("POST", "/api/keys/rotate"),
}


@contextmanager
def node_in_thread(data: Path) -> Iterator[RunningNode]:
    """A node exactly as `democite run` starts it, on loopback port 0, in its own loop and thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        box["stop"] = asyncio.Event()
        try:
            async with running_node(config_mod.load(data)) as rn:
                box["node"] = rn
                ready.set()
                await box["stop"].wait()
        finally:
            ready.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(120)
    try:
        assert "node" in box, "the node did not start"
        yield box["node"]
    finally:
        loop.call_soon_threadsafe(box["stop"].set)
        thread.join(120)
        loop.close()


def seed(base: str, token: str) -> None:
    """A little of everything, so generated small numbers and names find real rows sometimes."""
    h = {"Authorization": f"Bearer {token}"}

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = requests.post(base + path, json=body, headers=h, timeout=60)
        assert r.status_code == 200, (path, r.text)
        return dict(r.json())

    post("/api/das/employers", {"name": "acme", "kind": "private"})
    post("/api/das/persons", {"pseudonym": "p-0001", "status": "employee", "employer": "acme", "name": "Ada Lovelace"})
    post("/api/das/persons", {"pseudonym": "p-0007", "status": "volunteer"})
    post("/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "hours": 35, "from": "2026-01-01", "to": "2026-12-31"})
    project = post("/api/das/projects", {"title": "Repair café", "sdg": 12, "coordinator": "p-0007"})["id"]
    post(f"/api/das/projects/{project}/validate", {"decision": "Conseil municipal 2026-02-10 n°12"})
    post("/api/das/entries", {"person": "p-0001", "project": project, "date": "2026-03-14", "minutes": 90})
    pact = post("/api/pacte", {"title": "Pacte 21", "horizon": 5})["id"]
    post(f"/api/pacte/{pact}/partners", {"org": "Biocoop", "kind": "company"})


def test_admin_api_matches_its_document(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    data = tmp_path / "node"
    init_node(data, "Territoire", "127.0.0.1:0")
    with node_in_thread(data) as rn, requests.Session() as session:
        base = rn.api_url.rstrip("/")
        seed(base, rn.token)
        schema = schemathesis.openapi.from_url(base + "/api/openapi.json")
        # the token is sent with every request: invalid data goes in parameters and bodies, not in it
        schema.config.generation.update(with_security_parameters=False)
        auth = {"Authorization": f"Bearer {rn.token}"}
        counted = {"requests": 0, "operations": 0}
        failures: list[str] = []
        started = time.monotonic()
        for result in schema.get_all_operations():
            op = result.ok()
            if (op.method.upper(), op.path) in EXCLUDED:
                continue
            counted["operations"] += 1
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

                @given(case=op.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=EXAMPLES,
                    derandomize=True,
                    deadline=None,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def run(case: Any) -> None:
                    counted["requests"] += 1
                    case.call_and_validate(base_url=base, session=session, headers=auth, checks=CHECKS, timeout=60)

                try:
                    run()
                except Unsatisfiable:  # nothing to make invalid: no parameter and no body
                    assert mode is schemathesis.GenerationMode.NEGATIVE, op.label
                except (Exception, BaseExceptionGroup) as exc:  # gather every operation's failure, then report them all
                    failures.append(f"{op.method.upper()} {op.path} ({mode.value}): {str(exc)[:1500]}")
        elapsed = time.monotonic() - started
        print(f"schemathesis: {counted['requests']} requests over {counted['operations']} operations in {elapsed:.1f} s")
        assert counted["operations"] > 80
        assert not failures, "\n\n".join(failures)
    traces = [r.getMessage() for r in caplog.records if r.exc_info or "internal error" in r.getMessage()]
    assert not traces, traces

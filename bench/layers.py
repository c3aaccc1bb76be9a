"""How far one pushed record travels inside the receiving node: from the HTTP body to the SQLite
row and back to the answer, counted as project function calls, files and layer changes.

A real node on loopback receives one signed record pushed by another real node. A profile hook
counts the project's Python calls made by the receiving node's request task only (the pusher, the
event loop and aiohttp itself are left out), the distinct project files they live in, and how many
times consecutive calls cross between the layers protocol/, node/ (node/storage/ counted as its
own layer) and federation/. Not a timing benchmark: the figures are exact and repeat run to run.

Last line: {"calls", "files", "layer_changes", "by_layer"}
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import make_log  # noqa: E402
from federation.peer.peering import client_for  # noqa: E402
from federation.runtime import running_node  # noqa: E402
from node import config as config_mod  # noqa: E402
from node.bootstrap import init_node  # noqa: E402

_RESUMABLE = inspect.CO_COROUTINE | inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE


def layer(path: str) -> str | None:
    rel = Path(path).resolve()
    try:
        parts = rel.relative_to(ROOT).parts
    except ValueError:
        return None
    if not parts or parts[0] not in ("protocol", "node", "federation"):
        return None
    if parts[0] == "node" and len(parts) > 1 and parts[1] == "storage":
        return "node/storage"
    return parts[0]


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("a", "b"):
            init_node(Path(tmp) / name, f"Territoire {name}", "127.0.0.1:0")
        async with running_node(config_mod.load(Path(tmp) / "a")) as a, running_node(config_mod.load(Path(tmp) / "b")) as b:
            _, log = make_log(2)
            client = client_for(b.node, b.session, a.peer_url)
            # warm up with record 1: first-request costs (membership fold, caches) are not the path
            first = await client.push(log[0].author, [log[0].wire()])
            assert first["accepted"] == 1, first
            calls: list[str] = []
            server_tasks: set[asyncio.Task[Any]] = set()

            def hook(frame: FrameType, event: str, arg: object) -> None:
                if event != "call":
                    return
                task = asyncio.current_task() if _loop_running() else None
                code = frame.f_code
                if code.co_name == "peer_guard" and task is not None:
                    server_tasks.add(task)
                if task is None or task not in server_tasks:
                    return
                if code.co_flags & _RESUMABLE and frame.f_lasti > 0:
                    return  # a coroutine or generator resumed, not a new call
                if layer(code.co_filename):
                    calls.append(code.co_filename)

            sys.setprofile(hook)
            try:
                answer = await client.push(log[1].author, [log[1].wire()])
            finally:
                sys.setprofile(None)
            assert answer["accepted"] == 1, answer
    layers = [layer(f) for f in calls]
    changes = sum(1 for x, y in zip(layers, layers[1:], strict=False) if x != y)
    return {"calls": len(calls), "files": len(set(calls)), "layer_changes": changes,
            "by_layer": dict(Counter(x for x in layers if x))}


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


if __name__ == "__main__":
    r = asyncio.run(main())
    print(f"one pushed record in the receiving node: {r['calls']} project calls over {r['files']} files, "
          f"{r['layer_changes']} layer changes ({', '.join(f'{k} {v}' for k, v in sorted(r['by_layer'].items()))})")
    print(json.dumps(r))

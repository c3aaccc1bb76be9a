"""The web door under a territory's load: 20,000 persons, about 1,000,000 entries, 200 signed-in
sessions browsing at once.

The territory is built with the same CSV import as `democite das import` (bench/das.py's data),
then the node runs as `democite run` in its own process (the load client must not share its event
loop). 200 accounts (persons and coordinators) are created from invitations the way people do;
their sign-ins are timed separately (Argon2id is slow on purpose). Then every session browses for
a bounded time — the person home, their entries, the coordinator's queue — clicking about once a
second (a generous rate: people read pages), each session with its own cookies.

Usage: python bench/web.py [PERSONS] [ENTRIES_PER_PERSON] [SESSIONS] [SECONDS]
Last line: {"sessions", "requests", "p50_ms", "p95_ms", "p99_ms", "errors", "signins_per_s"}
Goal on 2 cores: p95 <= 100 ms, 0 errors.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.das import PROJECTS, _import, build  # noqa: E402
from node import config as config_mod  # noqa: E402
from node.bootstrap import init_node  # noqa: E402
from node.das import rules  # noqa: E402
from node.das.service import DasService  # noqa: E402
from node.service import Node  # noqa: E402

PASSWORD = "un mot de passe de banc d'essai"
# what each kind of session browses (pages of the web interface); the first is its home
PERSON_PAGES = ("/", "/account/sessions")  # the person pages once merged
COORDINATOR_PAGES = ("/",)
THINK_S = (0.5, 1.5)  # seconds between two clicks of one session
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def territory(d: Path, n: int, per: int) -> int:
    """Persons, contracts (paper consents), the programme and the entries, imported in the node's folder."""
    files = build(n, per, random.Random(21))
    node = await Node.open(config_mod.load(d))
    svc = DasService(node)
    try:
        for name in ("employers", "persons", "coordinators", "contracts"):
            await _import(svc, files[name])
        for j in range(PROJECTS):
            p = await svc.add_project(f"Project {j}", j % 17 + 1, f"coord-{j:03d}", "programme", None)
            await svc.project_transition(p["id"], rules.ProjectEvent.VALIDATE, f"Assemblée territoriale n°{j}", None, "")
        r = await _import(svc, files["entries"])
        return int(r["imported"])
    finally:
        await node.close()


def start(d: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", "run", "--data", str(d),
                             "--log-level", "warning"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        if (d / "run" / "api.json").exists():
            return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the node did not start: {proc.stderr.read().decode()[-300:] if proc.stderr else ''}")


async def invite(api: str, token: str, body: dict[str, Any]) -> str:
    async with aiohttp.ClientSession() as s, s.post(api + "/api/accounts/invitations", json=body,
                                                     headers={"Authorization": f"Bearer {token}"}) as r:
        data = await r.json()
        assert r.status == 200, data
        return str(data["url"])


async def create(url: str, username: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.get(url) as r:
            csrf = _CSRF.search(await r.text())
        assert csrf, "no CSRF field on the invitation page"
        form = {"csrf": csrf.group(1), "username": username, "password": PASSWORD, "confirm": PASSWORD}
        async with s.post(url, data=form, allow_redirects=False) as r:
            assert r.status == 303, (username, r.status)


async def sign_in(web: str, username: str) -> aiohttp.ClientSession:
    s = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with s.get(web + "/login") as r:
        csrf = _CSRF.search(await r.text())
    assert csrf
    async with s.post(web + "/login", data={"csrf": csrf.group(1), "username": username, "password": PASSWORD},
                      allow_redirects=False) as r:
        assert r.status == 303, (username, r.status)
    return s


async def browse(s: aiohttp.ClientSession, web: str, pages: tuple[str, ...], until: float, rng: random.Random,
                 times: list[float], errors: list[str]) -> None:
    await asyncio.sleep(rng.uniform(0, THINK_S[1]))  # sessions do not all click at the same instant
    while time.perf_counter() < until:
        path = rng.choice(pages)
        t0 = time.perf_counter()
        try:
            async with s.get(web + path, allow_redirects=False) as r:
                await r.read()
                if r.status != 200:
                    errors.append(f"{path}: {r.status}")
        except aiohttp.ClientError as exc:
            errors.append(f"{path}: {type(exc).__name__}")
        times.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(rng.uniform(*THINK_S))


def pct(xs: list[float], p: float) -> float:
    return round(statistics.quantiles(xs, n=100)[int(p) - 1], 1) if len(xs) > 1 else (xs[0] if xs else 0.0)


async def main(n: int, per: int, sessions: int, seconds: float) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "node"
        web_port = free_port()
        init_node(d, "bench", "127.0.0.1:0", web_listen=f"127.0.0.1:{web_port}")
        t0 = time.perf_counter()
        m = await territory(d, n, per)
        print(f"territory: {n:,} persons, {m:,} entries, {PROJECTS} projects, imported in {time.perf_counter() - t0:.1f} s")
        proc = start(d)
        try:
            api = json.loads((d / "run" / "api.json").read_text())["url"]
            token = (d / "api.token").read_text().strip()
            web = f"http://127.0.0.1:{web_port}"
            coordinators = min(PROJECTS, max(1, sessions // 10))
            people = [(f"person-{i}", {"role": "person", "person": f"b-{i * (n // sessions):06d}"}, PERSON_PAGES)
                      for i in range(sessions - coordinators)]
            people += [(f"coord-{j}", {"role": "coordinator", "projects": [j + 1]}, COORDINATOR_PAGES) for j in range(coordinators)]
            t0 = time.perf_counter()
            urls = [await invite(api, token, body) for _, body, _ in people]
            await asyncio.gather(*(create(u, name) for u, (name, _, _) in zip(urls, people, strict=True)))
            print(f"{len(people)} accounts created from invitations in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            clients = await asyncio.gather(*(sign_in(web, name) for name, _, _ in people))
            signin_s = time.perf_counter() - t0
            print(f"{len(clients)} sign-ins in {signin_s:.1f} s: {len(clients) / signin_s:.1f} per second (Argon2id on purpose)")
            times: list[float] = []
            errors: list[str] = []
            until = time.perf_counter() + seconds
            await asyncio.gather(*(browse(c, web, pages, until, random.Random(rng.random()), times, errors)
                                   for c, (_, _, pages) in zip(clients, people, strict=True)))
            for c in clients:
                await c.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    out = {"sessions": len(people), "requests": len(times), "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
           "p99_ms": pct(times, 99), "errors": len(errors), "signins_per_s": round(len(clients) / signin_s, 1)}
    if errors:
        print("errors (first 5):", "; ".join(errors[:5]))
    print(f"{out['requests']:,} pages in {seconds:.0f} s by {out['sessions']} sessions: p50 {out['p50_ms']} ms, "
          f"p95 {out['p95_ms']} ms, p99 {out['p99_ms']} ms (goal p95 <= 100 ms), {out['errors']} errors")
    print(json.dumps(out))


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(int(a[0]) if a else 20_000, int(a[1]) if len(a) > 1 else 50, int(a[2]) if len(a) > 2 else 200,
                     float(a[3]) if len(a) > 3 else 60.0))

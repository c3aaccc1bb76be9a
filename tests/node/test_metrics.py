"""/metrics, /healthz and /readyz on a real node: the families exist, move with what the node does,
carry no personal data, and are served on the admin socket only."""

from __future__ import annotations

from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from federation.runtime import RunningNode
from tests.conftest import call_api

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as r:
        return r.status, await r.text()


async def scrape(rn: RunningNode) -> tuple[str, set[str], Samples]:
    status, text = await get(rn.api_url + "/metrics", rn.token)
    assert status == 200, text
    families, samples = set(), {}
    for fam in text_string_to_metric_families(text):
        families.add(fam.name)
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return text, families, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


FAMILIES = {
    "democite_logs_held", "democite_records_held", "democite_own_log_records", "democite_logs_frozen", "democite_peers",
    "democite_peer_score", "democite_peer_failures", "democite_peer_graylisted", "democite_sync_bytes",
    "democite_sync_requests", "democite_sync_records_received", "democite_sync_records_pushed", "democite_signature_checks",
    "democite_database_bytes", "democite_requests", "democite_request_duration_seconds", "democite_errors",
    "democite_gossip_round_duration_seconds", "democite_gossip_exchanges",
}


async def test_families_exist_and_follow_publishing_and_requests(make_node) -> None:
    rn = await make_node("Commune A")
    _, families, before = await scrape(rn)
    assert families >= FAMILIES, FAMILIES - families
    assert all(f.startswith("democite_") for f in families)
    for i in range(3):
        status, _ = await call_api(rn, "POST", "/api/publish", {"kind": "note", "body": {"text": f"n{i}"}})
        assert status == 200
    _, _, after = await scrape(rn)
    assert value(after, "democite_records_held") == value(before, "democite_records_held") + 3
    assert value(after, "democite_own_log_records") == value(before, "democite_own_log_records") + 3
    assert value(after, "democite_logs_held") >= 1
    assert value(after, "democite_database_bytes", file="database") > 0
    publish = {"api": "admin", "method": "POST", "route": "/api/publish", "status": "200"}
    assert value(after, "democite_requests_total", **publish) == value(before, "democite_requests_total", **publish) + 3
    timed = {"api": "admin", "method": "POST", "route": "/api/publish"}
    assert value(after, "democite_request_duration_seconds_count", **timed) == 3
    # the previous scrape was counted under its route too
    assert value(after, "democite_requests_total", api="admin", method="GET", route="/metrics", status="200") >= 1


async def test_errors_are_counted_by_code(make_node) -> None:
    rn = await make_node()
    status, _ = await call_api(rn, "POST", "/api/publish", {"kind": "note"})
    assert status == 400
    status, _ = await call_api(rn, "GET", "/api/no-such-route")
    assert status == 404
    _, _, samples = await scrape(rn)
    assert value(samples, "democite_errors_total", api="admin", code="invalid_field") == 1
    assert value(samples, "democite_requests_total", api="admin", method="GET", route="unmatched", status="404") == 1


async def test_sync_and_gossip_move_their_counters(make_node) -> None:
    a, b = await make_node("Commune A"), await make_node("Commune B")
    for i in range(4):
        await call_api(a, "POST", "/api/publish", {"kind": "note", "body": {"text": f"n{i}"}})
    _, _, before = await scrape(b)
    assert (await call_api(b, "POST", "/api/peers", {"url": a.peer_url}))[0] == 200
    status, r = await call_api(b, "POST", "/api/sync", {"url": a.peer_url})
    assert status == 200 and r["pulled"] >= 4, r
    _, _, after = await scrape(b)
    for direction in ("sent", "received"):
        assert value(after, "democite_sync_bytes_total", direction=direction) > value(before, "democite_sync_bytes_total", direction=direction)
    assert value(after, "democite_sync_requests_total") > value(before, "democite_sync_requests_total")
    assert value(after, "democite_sync_records_received_total") >= value(before, "democite_sync_records_received_total") + 4
    assert value(after, "democite_signature_checks_total", result="valid") >= value(before, "democite_signature_checks_total", result="valid") + 4
    assert value(after, "democite_records_held") >= value(before, "democite_records_held") + 4
    assert value(after, "democite_peer_score", peer=a.peer_url) >= 0
    assert value(after, "democite_peer_graylisted", peer=a.peer_url) == 0
    assert total(after, "democite_peers") >= 1
    # A answered B's signed calls: its peer API counted them by route pattern
    _, _, on_a = await scrape(a)
    assert total(on_a, "democite_requests_total", api="peer", route="/fed/v1/heads") >= 1
    rounds = total(after, "democite_gossip_round_duration_seconds_count", kind="tick")
    await b.gossip.round(1)
    _, _, later = await scrape(b)
    assert total(later, "democite_gossip_round_duration_seconds_count", kind="tick") == rounds + 1
    assert total(later, "democite_gossip_exchanges_total") >= total(after, "democite_gossip_exchanges_total") + 1


async def test_metrics_need_the_token(make_node) -> None:
    rn = await make_node()
    status, _ = await get(rn.api_url + "/metrics")
    assert status == 401
    status, _ = await get(rn.api_url + "/metrics", "wrong")
    assert status == 401


async def test_health_probes_need_no_token(make_node) -> None:
    rn = await make_node()
    for path in ("/healthz", "/readyz"):
        status, text = await get(rn.api_url + path)
        assert status == 200, (path, text)


async def test_readyz_is_503_when_the_database_is_closed(make_node) -> None:
    rn = await make_node()
    await rn.node.close()
    status, text = await get(rn.api_url + "/readyz")
    assert status == 503 and "not ready" in text
    assert (await get(rn.api_url + "/healthz"))[0] == 200  # alive, not ready: the process still serves


async def test_ops_paths_are_not_served_on_the_peer_port(make_node) -> None:
    rn = await make_node()
    for path in ("/metrics", "/healthz", "/readyz"):
        status, text = await get(rn.peer_url + path, rn.token)
        assert status == 404, (path, status, text)
        assert "democite_" not in text


async def test_no_personal_data_in_the_metrics(make_node) -> None:
    rn = await make_node()
    pseudonym, name = "pseudo-zoé-4821", "Zoé Quatremains"
    status, r = await call_api(rn, "POST", "/api/das/persons", {"pseudonym": pseudonym, "status": "volunteer", "name": name})
    assert status == 200, r
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"/api/das/persons/{pseudonym}", None),
        ("GET", f"/api/das/persons/{pseudonym}/export", None),
        ("GET", "/api/das/persons/pseudo-nobody-9", None),  # a 404 on a made-up pseudonym
        ("POST", f"/api/das/persons/{pseudonym}/profile", {"bogus": 1}),  # a refused body
    ]
    for method, path, body in calls:
        await call_api(rn, method, path, body)
    text, _, samples = await scrape(rn)
    for secret in (pseudonym, name, "pseudo-nobody-9", "Quatremains", "4821"):
        assert secret not in text
    assert value(samples, "democite_requests_total", api="admin", method="GET", route="/api/das/persons/{ref}", status="200") == 1
    assert value(samples, "democite_requests_total", api="admin", method="GET", route="/api/das/persons/{ref}", status="404") == 1


async def test_two_nodes_in_one_process_count_apart(make_node) -> None:
    a, b = await make_node("Commune A"), await make_node("Commune B")
    await call_api(a, "GET", "/api/status")
    await call_api(a, "GET", "/api/status")
    _, _, on_a = await scrape(a)
    _, _, on_b = await scrape(b)
    status_route = {"api": "admin", "method": "GET", "route": "/api/status", "status": "200"}
    assert value(on_a, "democite_requests_total", **status_route) == 2
    assert value(on_b, "democite_requests_total", **status_route) == 0


async def test_web_sessions_and_accounts_follow_sign_ins_and_sign_outs(make_node: Any) -> None:
    from tests.accounts_util import make_account, post_form, sign_in, web_client

    rn = await make_node("Commune A", web={"listen": "127.0.0.1:0"})
    _, families, before = await scrape(rn)
    assert {"democite_web_sessions", "democite_accounts"} <= families
    assert value(before, "democite_web_sessions") == 0
    await make_account(rn, "resident", "rene")  # creating the account signed it in: one session already
    _, _, after = await scrape(rn)
    assert value(after, "democite_accounts", role="resident", state="active") == 1
    live = value(after, "democite_web_sessions")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "rene") == 303
        _, _, signed = await scrape(rn)
        assert value(signed, "democite_web_sessions") == live + 1
        status, _ = await post_form(c, rn.web_url + "/logout", {}, csrf_from=rn.web_url + "/account/sessions")
        assert status == 303
    _, text, out = await scrape(rn)
    assert value(out, "democite_web_sessions") == live
    assert "rene" not in text  # no username in the metrics
    status, _ = await call_api(rn, "POST", "/api/accounts/rene/disable")
    assert status == 200
    _, _, disabled = await scrape(rn)
    assert value(disabled, "democite_accounts", role="resident", state="disabled") == 1
    assert value(disabled, "democite_web_sessions") == 0  # disabling ended its sessions

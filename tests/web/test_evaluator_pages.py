"""The evaluator's upload over HTTP: a real node's bundle audited and reported (French by default),
a missing or foreign file refused next to the field, an oversized upload refused with the limit,
and roles without the permission refused with a 403 page."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.accounts_util import csrf_of, make_account, page, sign_in, web_client
from tests.conftest import call_api

WEB = {"listen": "127.0.0.1:0"}


async def bundle_of(rn: Any) -> bytes:
    async with aiohttp.ClientSession() as s:
        async with s.get(rn.api_url + "/api/audit/export", headers={"Authorization": f"Bearer {rn.token}"}) as r:
            assert r.status == 200
            return await r.read()


async def upload(c: aiohttp.ClientSession, web_url: str, data: bytes | None, name: str = "t.dmc", lang: str = "") -> tuple[int, str]:
    _, html = await page(c, web_url + "/audit")
    form = aiohttp.FormData()
    form.add_field("csrf", csrf_of(html))
    if data is not None:
        form.add_field("bundle", data, filename=name, content_type="application/octet-stream")
    async with c.post(web_url + "/audit" + lang, data=form, allow_redirects=False) as r:
        return r.status, await r.text()


async def test_evaluator_uploads_a_bundle_and_reads_the_report_in_french(make_node: Any) -> None:
    rn = await make_node(web={**WEB, "max_upload_mb": 1})
    s, r = await call_api(rn, "POST", "/api/pacte", {"title": "Pacte <b>alimentaire</b>", "horizon": 5, "start_year": 2026})
    assert s == 200, r
    bundle = await bundle_of(rn)
    await make_account(rn, "evaluator", "zq-eva")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-eva") == 303
        s, html = await upload(c, rn.web_url, bundle)
        assert s == 200 and "RÉUSSI" in html and 'lang="fr"' in html, html[-2000:]
        assert "<b>alimentaire" not in html  # bundle content is text, never markup
        s, html = await upload(c, rn.web_url, None, lang="?lang=en")
        assert s == 400 and "Choose a bundle file" in html
        s, html = await upload(c, rn.web_url, b"not a bundle at all", lang="?lang=en")
        assert s == 400 and "not an audit bundle" in html
        s, html = await upload(c, rn.web_url, bundle[:-40], lang="?lang=en")
        assert s == 200 and "FAIL" in html  # a damaged bundle is audited and fails, it does not crash the page
        s, html = await upload(c, rn.web_url, b"\0" * (1024 * 1024 + 10), lang="?lang=en")
        assert s == 413 and "larger than the 1 MB this page accepts" in html


async def test_roles_without_the_permission_get_a_403_page(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await make_account(rn, "partner", "zq-bruno", org="Biocoop")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-bruno") == 303
        s, html = await page(c, rn.web_url + "/audit?lang=en")
        assert s == 403 and "Not allowed" in html and 'type="file"' not in html


def test_the_upload_bound_is_checked_when_the_config_loads(tmp_path: Any) -> None:
    import pytest

    from node import config as config_mod
    from node.errors import ConfigError

    for bad in (0, 1025):
        with pytest.raises(ConfigError, match="web.max_upload_mb must be between 1 and 1024"):
            config_mod.from_mapping(tmp_path, {"node": {"name": "T", "listen": "127.0.0.1:0"}, "web": {"max_upload_mb": bad}})
    assert config_mod.from_mapping(tmp_path, {"node": {"name": "T", "listen": "127.0.0.1:0"}}).web.max_upload_mb == 1024

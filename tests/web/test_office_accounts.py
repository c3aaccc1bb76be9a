"""The office's accounts page (invitations shown once, disable, enable, reset) and its CSV import
(uploaded as a file, every refused line named with its number, nothing written, twice = once)."""

from __future__ import annotations

import re
from typing import Any

from tests.accounts_util import accept_invitation, csrf_of, page, post_form, sign_in, web_client
from tests.web.office_util import WEB, api, signed_in

LINK = re.compile(r'id="invitation-link">([^<]+)<')


async def test_invite_disable_enable_reset(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await api(rn, "POST", "/api/das/persons", {"pseudonym": "marie", "status": "employee"})
    async with await signed_in(rn, "office", "bureau") as c:
        url = rn.web_url + "/office/accounts?lang=en"
        status, html = await post_form(c, url, {"role": "", "person": ""})
        assert status == 400 and 'id="e-role" class="error">Fill in this field.' in html
        status, html = await post_form(c, url, {"role": "office"})  # the office invites no office staff
        assert status == 400 and 'id="e-role" class="error">Choose one of the listed values.' in html
        status, html = await post_form(c, url, {"role": "person", "person": "<em>nobody</em>"})
        assert status == 400 and "no person with this pseudonym" in html and 'value="&lt;em&gt;nobody&lt;/em&gt;"' in html
        status, html = await post_form(c, url, {"role": "coordinator", "projects": "3; 4"})
        assert status == 400 and 'id="e-projects" class="error">Type project numbers' in html
        status, html = await post_form(c, url, {"role": "person", "person": "marie", "email": "marie@example.org"})
        assert status == 400 and "no mail server is configured" in html  # no [mail]: nothing made
        status, html = await post_form(c, url, {"role": "person", "person": "marie"})
        assert status == 200
        link = LINK.search(html)
        assert link
        status, html = await page(c, url)
        assert not LINK.search(html)  # shown once
        async with web_client() as other:
            assert (await accept_invitation(other, link.group(1), "marie")).status == 303
        status, html = await page(c, url)
        assert "<td>marie</td><td>DASholder</td><td>person:marie</td>" in re.sub(r"\s+", "", html)  # the role in words
        status, _ = await post_form(c, rn.web_url + "/office/accounts/marie/disable", {}, csrf_from=url)
        assert status == 303
        async with web_client() as other:
            assert await sign_in(other, rn.web_url, "marie") == 401
        status, _ = await post_form(c, rn.web_url + "/office/accounts/marie/enable", {}, csrf_from=url)
        assert status == 303
        status, html = await post_form(c, rn.web_url + "/office/accounts/marie/reset?lang=en", {}, csrf_from=url)
        assert status == 200 and LINK.search(html)
        status, html = await post_form(c, rn.web_url + "/office/accounts/bureau/disable?lang=en", {}, csrf_from=url)
        assert status == 400 and "may not disable or enable a office account" in html
        status, html = await post_form(c, rn.web_url + "/office/accounts/nobody/reset?lang=en", {}, csrf_from=url)
        assert status == 400


async def _upload(c: Any, web_url: str, text: bytes, kind: str = "") -> tuple[int, str]:
    _, html = await page(c, web_url + "/office/import")
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("csrf", csrf_of(html))
    form.add_field("kind", kind)
    form.add_field("file", text, filename="persons.csv", content_type="text/csv")
    async with c.post(web_url + "/office/import?lang=en", data=form, allow_redirects=False) as r:
        return r.status, await r.text()


async def test_csv_import_reports_and_refuses_by_line(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    async with await signed_in(rn, "office", "bureau") as c:
        good = b"pseudonym,status\nmarie,employee\npaul,retired\n"
        status, html = await _upload(c, rn.web_url, good)
        assert status == 200 and "Imported: 2 of 2 lines (persons)" in html
        status, html = await _upload(c, rn.web_url, good)  # the same file again: refused, nothing doubled
        assert status == 400 and "nothing was written" in html
        assert len((await api(rn, "GET", "/api/das/persons"))["persons"]) == 2
        bad = b"pseudonym,status\nanne,employee\n<b>zoe</b>,astronaut\nluc,\n"
        status, html = await _upload(c, rn.web_url, bad)
        assert status == 400 and "<li>line 3:" in html and "<li>line 4:" in html and "<b>zoe</b>" not in html
        assert len((await api(rn, "GET", "/api/das/persons"))["persons"]) == 2
        status, html = await _upload(c, rn.web_url, b"what,ever\n1,2\n")
        assert status == 400 and "line 1:" in html
        status, html = await _upload(c, rn.web_url, b"\xff\xfe not utf-8")
        assert status == 400 and "not UTF-8" in html
        status, html = await _upload(c, rn.web_url, good, kind="<script>")
        assert status == 400 and 'id="e-kind"' in html
        status, html = await _upload(c, rn.web_url, b"pseudonym,status\n" + b"x,employee\n" * 200_000)
        assert status == 413  # over the door's 1 MiB: the command line takes large files

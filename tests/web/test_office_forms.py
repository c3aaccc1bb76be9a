"""The office's forms refuse bad input the way people can act on it: the problem next to the field,
what was typed kept, markup shown as text, oversized text refused, a second submit adding nothing,
and roles without the permission sent a 403 page."""

from __future__ import annotations

from typing import Any

from tests.accounts_util import page, post_form
from tests.web.office_util import WEB, api, next_year, signed_in


async def test_add_person_refusals_are_named_next_to_the_field(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    async with await signed_in(rn, "office", "bureau") as c:
        url = rn.web_url + "/office/persons?lang=en"
        status, html = await post_form(c, url, {"pseudonym": "", "status": "astronaut", "employer": ""})
        assert status == 400
        assert 'id="e-pseudonym" class="error">Fill in this field.' in html
        assert 'id="e-status" class="error">Choose one of the listed values.' in html
        # markup typed in a field comes back as text, never as markup
        status, html = await post_form(c, url, {"pseudonym": "<b>x</b>", "status": "astronaut"})
        assert status == 400 and 'value="&lt;b&gt;x&lt;/b&gt;"' in html and "<b>x</b>" not in html
        status, html = await post_form(c, url, {"pseudonym": "p" * 500, "status": "employee"})
        assert status == 400 and 'id="e-pseudonym" class="error">Too long: at most 100 characters.' in html
        status, _ = await post_form(c, url, {"pseudonym": "marie-<i>", "status": "employee"})
        assert status == 303
        status, html = await post_form(c, url, {"pseudonym": "marie-<i>", "status": "employee"})
        assert status == 400 and "this pseudonym is already used" in html
        persons = (await api(rn, "GET", "/api/das/persons"))["persons"]
        assert [p["pseudonym"] for p in persons] == ["marie-<i>"]
        status, html = await page(c, url)
        assert "marie-&lt;i&gt;" in html


async def test_employer_and_contract_forms(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    async with await signed_in(rn, "office", "bureau") as c:
        status, html = await post_form(c, rn.web_url + "/office/employers?lang=en", {"name": "Mairie", "kind": ""},
                                       csrf_from=rn.web_url + "/office/persons")
        assert status == 400 and 'id="e-kind"' in html and 'value="Mairie"' in html
        status, _ = await post_form(c, rn.web_url + "/office/employers", {"name": "Mairie", "kind": "public"},
                                    csrf_from=rn.web_url + "/office/persons")
        assert status == 303
        await api(rn, "POST", "/api/das/persons", {"pseudonym": "marie", "status": "employee", "employer": "Mairie"})
        d0, d1 = next_year()
        url = rn.web_url + "/office/contracts?lang=en"
        bad = {"person": "marie", "hours": "ten", "from": "2026-02-30", "to": d1, "mode": "spread"}
        status, html = await post_form(c, url, bad)
        assert status == 400
        assert 'id="e-hours" class="error">Type a whole number.' in html
        assert 'id="e-from" class="error">Type a date as YYYY-MM-DD' in html and 'value="2026-02-30"' in html
        good = {"person": "marie", "hours": "70", "from": d0, "to": d1, "mode": "spread"}
        status, _ = await post_form(c, url, good)
        assert status == 303
        status, html = await post_form(c, url, good)  # the same form again: the period overlaps, nothing added
        assert status == 400 and "overlaps contract 1" in html
        contracts = (await api(rn, "GET", "/api/das/contracts"))["contracts"]
        assert len(contracts) == 1 and not contracts[0]["binding"]
        status, html = await page(c, url)
        assert "Awaiting: person, employer, engagement21" in html
        status, html = await page(c, rn.web_url + "/office?lang=en")
        assert status == 200 and "Contracts awaiting their parties&#39; acceptance: 1" in html


async def test_project_forms_and_a_second_submit(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    async with await signed_in(rn, "office", "bureau") as c:
        url = rn.web_url + "/office/projects?lang=en"
        status, html = await post_form(c, url, {"title": "Jardin", "sdg": "18", "kind": "programme"})
        assert status == 400 and 'id="e-sdg" class="error">Type a number from 1 to 17.' in html
        form = {"title": "Jardin <partagé>", "sdg": "11", "kind": "programme"}
        assert (await post_form(c, url, form))[0] == 303
        status, html = await post_form(c, url, form)
        assert status == 400 and "already has this title" in html and "Jardin &lt;partagé&gt;" in html
        projects = (await api(rn, "GET", "/api/das/projects"))["projects"]
        assert [p["status"] for p in projects] == ["proposed"]
        status, html = await post_form(c, url, {"title": "Seul", "sdg": "3", "kind": "local-initiative"})
        assert status == 400 and "name the person who carries it" in html
        status, html = await post_form(c, rn.web_url + f"/office/projects/{projects[0]['id']}/activate?lang=en", {}, csrf_from=url)
        assert status == 400 and "proposed" in html  # the assembly has not decided yet
        await api(rn, "POST", "/api/das/persons", {"pseudonym": "lea", "status": "student"})
        status, _ = await post_form(c, url, {"title": "Seule", "sdg": "3", "kind": "local-initiative", "person": "lea"})
        assert status == 303
        individual = (await api(rn, "GET", "/api/das/projects"))["projects"][-1]
        assert individual["status"] == "active" and individual["holder"] == "lea"  # open at once, no assembly
        status, _ = await post_form(c, rn.web_url + f"/office/projects/{individual['id']}/close", {}, csrf_from=url)
        assert status == 303
        assert (await api(rn, "GET", f"/api/das/projects/{individual['id']}"))["status"] == "closed"
        status, html = await post_form(c, rn.web_url + "/office/projects/99999999999/close", {}, csrf_from=url)
        assert status == 404


async def test_roles_without_the_permission_get_a_403_page(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await api(rn, "POST", "/api/das/persons", {"pseudonym": "marie", "status": "employee"})
    async with await signed_in(rn, "person", "marie", person="marie") as c:
        for path in ("/office", "/office/persons", "/office/contracts", "/office/projects", "/office/import", "/office/accounts",
                     "/secretariat"):
            status, html = await page(c, rn.web_url + path + "?lang=en")
            assert status == 403 and "Your account may not" in html, path
            assert "marie" not in html.split("<main", 1)[1].split("Your account may not")[0]
        status, html = await post_form(c, rn.web_url + "/office/persons", {"pseudonym": "x", "status": "employee"},
                                       csrf_from=rn.web_url + "/account/sessions")
        assert status == 403
    assert len((await api(rn, "GET", "/api/das/persons"))["persons"]) == 1


async def test_every_office_page_in_french_by_default(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    async with await signed_in(rn, "office", "bureau") as c:
        for path, words in (("/", "Tableau de bord du bureau"), ("/office", "Émettre tous les relevés"),
                            ("/office/persons", "Ajouter une personne"), ("/office/contracts", "Rédiger un contrat"),
                            ("/office/projects", "Ajouter un projet"), ("/office/import", "Importer"),
                            ("/office/accounts", "Inviter quelqu&#39;un")):
            status, html = await page(c, rn.web_url + path)
            assert status == 200 and '<html lang="fr">' in html and words in html, path
        status, html = await post_form(c, rn.web_url + "/office/persons", {"pseudonym": "", "status": "employee"})
        assert status == 400 and "Remplissez ce champ." in html and "(facultatif)" in html

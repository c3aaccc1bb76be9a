"""Statements as plain text, CSV and a printable HTML page, in French or English (one label table)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from node import csvout
from node.commands.util import table

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Bulletin d'Activité Sociétale",
        "number": "Bulletin n°",
        "holder": "Titulaire",
        "period": "Période",
        "issued": "Émis le",
        "corrects": "Rectifie le bulletin n°",
        "superseded": "Remplacé par le bulletin n°",
        "project": "Projet",
        "category": "Catégorie",
        "competence": "Compétence",
        "level": "Niveau",
        "time": "Temps",
        "credit": "Crédit",
        "total": "Total",
        "rights": "Droits d'Activité Sociétale",
        "contract": "Contrat",
        "granted": "Accordé",
        "used": "Utilisé",
        "remaining": "Restant",
        "from_to": "du {0} au {1}",
        "none": "Aucune activité validée sur la période.",
        "footer": "Temps comptabilisé selon le profil de compétences conclu avec l'Engagement 21 local, "
        "crédité en monnaie locale à réinvestir dans les services du territoire.",
        "commitment": "Empreinte publiée (engagement salé)",
        "rate": "Taux par heure et niveau",
        "note": "Remarque",
        "profile": "Profil de compétences conclu le {1} (version {0})",
        "no_profile": "Aucun profil de compétences conclu : le temps est crédité au niveau par défaut {0} ({1} de l'heure).",
        # CSV column names (machine-friendly: lower case, one word)
        "csv": "bulletin,période,titulaire,projet,intitulé,catégorie,compétence,niveau,minutes,heures,centimes",
        "csv_total": "total",
    },
    "en": {
        "title": "Societal Activity Statement",
        "number": "Statement no.",
        "holder": "Holder",
        "period": "Period",
        "issued": "Issued on",
        "corrects": "Corrects statement no.",
        "superseded": "Superseded by statement no.",
        "project": "Project",
        "category": "Category",
        "competence": "Competence",
        "level": "Level",
        "time": "Time",
        "credit": "Credit",
        "total": "Total",
        "rights": "Societal Activity Rights",
        "contract": "Contract",
        "granted": "Granted",
        "used": "Used",
        "remaining": "Remaining",
        "from_to": "from {0} to {1}",
        "none": "No validated activity in this period.",
        "footer": "Time accounted according to the competence profile agreed with the local Engagement 21, "
        "credited in local currency to spend on the territory's services.",
        "commitment": "Published fingerprint (salted commitment)",
        "rate": "Rate per hour and level",
        "note": "Note",
        "profile": "Competence profile agreed on {1} (version {0})",
        "no_profile": "No agreed competence profile: time is credited at the default level {0} ({1} an hour).",
        "csv": "statement,period,holder,project,title,category,competence,level,minutes,hours,cents",
        "csv_total": "total",
    },
}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("node.das", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
    )


def hours(minutes: int, lang: str) -> str:
    sign = "-" if minutes < 0 else ""
    m = abs(minutes)
    return f"{sign}{m // 60} h {m % 60:02d}" if lang == "fr" else f"{sign}{m // 60}:{m % 60:02d}"


def money(cents: int, lang: str, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    sep = "," if lang == "fr" else "."
    return f"{sign}{c // 100}{sep}{c % 100:02d} {currency}"


def profile_line(statement: dict[str, Any], lang: str) -> str:
    """What the statement was credited by, in `lang`: the agreed profile, or plainly none and the
    default that applied. Empty for a statement issued before statements said so."""
    t = LABELS[lang]
    if "profile" not in statement:
        return ""
    p = statement["profile"]
    if p is not None:
        return t["profile"].format(p["version"], p["agreed_on"])
    d = statement["default"]
    return t["no_profile"].format(d["level"], money(d["rate_cents_per_hour"], lang, statement["currency"]))


def html(statement: dict[str, Any], lang: str) -> str:
    t = LABELS[lang]
    return _env().get_template("statement.html.j2").render(
        s=statement, t=t, lang=lang, h=lambda m: hours(m, lang), money=lambda c: money(c, lang, statement["currency"]),
        profile=profile_line(statement, lang), no_profile="profile" in statement and statement["profile"] is None,
    )


def to_csv(statement: dict[str, Any], lang: str = "fr") -> str:
    t = LABELS[lang]
    w = csvout.Writer()
    w.writerow(t["csv"].split(","))
    for line in statement["lines"]:
        w.writerow([statement["number"], statement["period"], statement["person"] or "", line["project"], line["title"],
                    line["category"], line["competence"], line["level"], line["minutes"], f"{line['minutes'] / 60:.2f}", line["cents"]])
    w.writerow([statement["number"], statement["period"], statement["person"] or "", "", t["csv_total"], "", "", "",
                statement["minutes"], f"{statement['minutes'] / 60:.2f}", statement["cents"]])
    if statement.get("profile", {}) is None:  # no agreed profile: say so, with the default level, in the data itself
        w.writerow([statement["number"], statement["period"], statement["person"] or "", "", profile_line(statement, lang), "", "",
                    statement["default"]["level"], "", "", ""])
    return w.getvalue()


def text(statement: dict[str, Any], lang: str) -> str:
    """The statement as the terminal shows it: the same labels as the HTML page."""
    t, s = LABELS[lang], statement
    head = [f"{t['title']} — {t['number']} {s['number']}",
            f"{t['holder']}: {s['person'] or '—'}   {t['period']}: {s['period']}   {t['issued']} {s['issued']}"]
    if s.get("corrects"):
        head.append(f"{t['corrects']} {s['corrects']}")
    if s.get("superseded_by"):
        head.append(f"{t['superseded']} {s['superseded_by']}")
    rows = [[x["title"], x["category"], x["competence"], x["level"], hours(x["minutes"], lang), money(x["cents"], lang, s["currency"])]
            for x in s["lines"]]
    rows.append([t["total"], "", "", "", hours(s["minutes"], lang), money(s["cents"], lang, s["currency"])])
    if profile_line(s, lang):
        head.append(profile_line(s, lang))
    out = head + ["", table(rows, [t["project"], t["category"], t["competence"], t["level"], t["time"], t["credit"]])]
    if not s["lines"]:
        out.append(t["none"])
    if s["rights"]:
        out += ["", t["rights"]]
        out.append(table([[r["contract"], t["from_to"].format(r["from"], r["to"]), hours(r["granted_minutes"], lang),
                            hours(r["used_minutes"], lang), hours(r["remaining_minutes"], lang)] for r in s["rights"]],
                          [t["contract"], "", t["granted"], t["used"], t["remaining"]]))
    if s.get("notice"):
        out += ["", f"{t['note']}: {s['notice']}"]
    return "\n".join(out)

"""Synthetic territories for `democite demo`: each gets a local programme with Societal Activity
(persons, contracts, a validated project, validated entries, statements, a k-anonymous summary
published to the network) and a Pacte 21 with a partner, a task force and a commitment.

The persons are invented pseudonyms and stay on their node like real ones would.
"""

from __future__ import annotations

import random
from typing import Any

from node.accounts.principal import Principal
from node.das.rules import ProjectEvent
from node.das.service import DasService
from node.pacte.service import PacteService
from node.service import Node

PROJECTS = [
    ("Repair café", 12),
    ("Jardin partagé", 2),
    ("Rénovation énergétique participative", 7),
    ("Accompagnement scolaire", 4),
    ("Mobilité solidaire", 11),
]
PARTNERS = [("Biocoop", "company"), ("Régie de quartier", "association"), ("Mairie", "public"), ("Collectif citoyen", "citizens")]
PERIOD = "2026-Q1"


async def seed_territory(node: Node, rng: random.Random, persons: int = 12) -> dict[str, Any]:
    """Fill one node with a quarter of Societal Activity and a pact; publish the quarter's summary."""
    das = DasService(node)
    owner = Principal.owner()  # the demo is the owner's: contracts signed on paper, entries validated by the office
    tag = node.public_key.hex()[:6]
    await das.add_employer(f"employer-{tag}", "private")
    coordinator = f"coord-{tag}"
    await das.add_person(coordinator, "volunteer", None, None)
    title, sdg = rng.choice(PROJECTS)
    project = (await das.add_project(title, sdg, coordinator, "programme", None))["id"]
    await das.project_transition(project, ProjectEvent.VALIDATE, "Conseil municipal 2026-01-15 n°3", "2026-01-15", "")
    given = 0
    for i in range(persons):
        pseudo = f"p-{tag}-{i:03d}"
        await das.add_person(pseudo, "employee", f"employer-{tag}", None)
        await das.add_contract(owner, pseudo, 35, "2026-01-01", "2026-12-31", f"employer-{tag}", "spread", 420, f"convention {tag}-{i:03d}")
        # at most 5 h in the quarter: well within a 35 h contract's quarterly share (8 h 45)
        for _ in range(rng.randint(1, 2)):
            minutes = rng.choice((60, 90, 120, 150))
            entry = await das.add_entry(owner, pseudo, project, f"2026-0{rng.randint(1, 3)}-{rng.randint(10, 28)}", minutes, None, "")
            await das.review_entry(owner, entry["id"], True)
            given += minutes
    await das.issue_all(PERIOD, False)
    summary = await das.publish_summary(PERIOD)
    pacts = PacteService(node)
    pid = await pacts.create(f"Pacte 21 {title.lower()}", 5, vision="Une économie territoriale durable", start_year=2026)
    org, kind = rng.choice(PARTNERS)
    await pacts.add_partner(pid, org, kind, contact_role="référent RSE")
    tf = await pacts.add_taskforce(
        pid, "Circuits courts", [{"kind": "social", "indicator": "emplois locaux", "unit": "emplois", "baseline": 2, "target": 6}],
        [{"year": 2026, "source": "collectivité", "cents": 1_500_000}], [org],
    )
    await pacts.commit(tf, org, "50% d'achats locaux", "2027-06-30")
    return {"summary": summary, "minutes": given, "pacte": pid.hex()}

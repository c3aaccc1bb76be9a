"""DAS rules as plain functions: quarter allocations, flexibility, the project state table."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.das import rules
from node.errors import Conflict, Invalid


def test_allocation_spreads_by_days_and_keeps_the_total() -> None:
    alloc = rules.allocation(dt.date(2026, 1, 1), dt.date(2026, 12, 31), 35 * 60)
    assert list(alloc) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert sum(alloc.values()) == 2100 and all(500 <= m <= 540 for m in alloc.values())
    moved = rules.allocation(dt.date(2026, 1, 1), dt.date(2026, 12, 31), 2100, [("2026-Q3", "2026-Q1", 300)])
    assert moved["2026-Q1"] == alloc["2026-Q1"] + 300 and moved["2026-Q3"] == alloc["2026-Q3"] - 300
    assert sum(moved.values()) == 2100


@given(
    st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.integers(min_value=0, max_value=1500),
    st.integers(min_value=1, max_value=600_000),
)
def test_allocation_total_never_changes(start: dt.date, days: int, minutes: int) -> None:
    end = start + dt.timedelta(days=days)
    alloc = rules.allocation(start, end, minutes)
    assert sum(alloc.values()) == minutes and min(alloc.values()) >= 0
    assert rules.granted_in(start, end, alloc, start, end) <= minutes


def test_project_state_table() -> None:
    S, E = rules.ProjectStatus, rules.ProjectEvent
    assert rules.next_status("proposed", E.VALIDATE) is S.VALIDATED
    assert rules.next_status(S.VALIDATED, "activate") is S.ACTIVE
    assert rules.next_status("active", E.CLOSE) is S.CLOSED
    assert rules.next_status("proposed", E.CLOSE) is S.CLOSED
    for state, event in (("proposed", "activate"), ("closed", "activate"), ("active", "validate"), ("closed", "close")):
        with pytest.raises(Conflict) as exc:
            rules.next_status(state, event)
        assert f"a {state} project" in exc.value.message and f"event '{event}'" in exc.value.message
    with pytest.raises(Conflict, match="allowed: none: it is final"):
        rules.next_status("closed", "validate")
    with pytest.raises(Invalid, match="validate, activate, close"):
        rules.next_status("proposed", "validated")


def test_minutes_checks() -> None:
    assert rules.check_minutes(150) == 150
    for bad in (0, -5, 721, 999999, True, "60"):
        with pytest.raises(Invalid, match="minutes"):
            rules.check_minutes(bad)


def test_competence_syntax() -> None:
    assert rules.parse_competence("repair=3,technical") == {"competence": "repair", "level": 3, "family": "technical"}
    uri = "http://data.europa.eu/esco/skill/abc-123"
    assert rules.parse_competence(f"{uri}=2")["competence"] == uri
    with pytest.raises(Invalid):
        rules.parse_competence("repair")


def test_k_anonymity_is_never_below_5(tmp_path) -> None:
    from node import config as config_mod
    from node.errors import ConfigError

    assert config_mod.from_mapping(tmp_path, {}).das.k_anonymity == 10
    assert config_mod.from_mapping(tmp_path, {"das": {"k_anonymity": 5}}).das.k_anonymity == 5
    with pytest.raises(ConfigError, match="never be below 5"):
        config_mod.from_mapping(tmp_path, {"das": {"k_anonymity": 4}})


def test_summary_groups_are_bounded_and_k_anonymous() -> None:
    from node.das.summaries import MAX_GROUP_CELLS, summary_group

    src = {f"family-{i:02d}": {p: 30 for p in range(i * 100, i * 100 + 10 + i)} for i in range(45)}
    cells = summary_group(src, 10, total_published=True)
    assert len(cells) == MAX_GROUP_CELLS and "other" in cells
    assert cells["other"]["persons"] == sum(10 + i for i in range(45 - (MAX_GROUP_CELLS - 1)))  # the smallest families
    assert sum(c["minutes"] for c in cells.values()) == 30 * sum(10 + i for i in range(45))
    small = summary_group({"a": {1: 10, 2: 10}, "b": {p: 5 for p in range(20)}, "c": {p: 5 for p in range(30, 45)}}, 10, True)
    assert small["a"] == {"suppressed": True} and small["c"] == {"suppressed": True} and small["b"]["persons"] == 20


def test_dates_are_exactly_iso_days() -> None:
    assert rules.day("2026-02-28", "date") == dt.date(2026, 2, 28)
    for bad in ("2026-02-30", "2026-2-3", "20260203", "2026-02-03T10:00", "", None, 20260203):
        with pytest.raises(Invalid, match="field 'on': .* is not a date YYYY-MM-DD"):
            rules.day(bad, "on")  # type: ignore[arg-type]


def test_summary_group_hides_at_least_k_distinct_persons() -> None:
    from node.das.summaries import summary_group

    # the same 6 persons in two small families: 12 >= k by sum, 6 in truth, so a third family is hidden too
    src = {"care": {p: 60 for p in range(40)}, "repair": {p: 30 for p in range(100, 106)},
           "music": {p: 30 for p in range(100, 106)}, "garden": {p: 45 for p in range(200, 212)}}
    cells = summary_group(src, 10, total_published=True)
    assert cells["repair"] == cells["music"] == cells["garden"] == {"suppressed": True}
    assert cells["care"] == {"persons": 40, "minutes": 2400}

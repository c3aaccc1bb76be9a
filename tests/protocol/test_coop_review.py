"""Review rules: frameworks parse and check scores, no self-review, averages per year."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from protocol import review
from protocol.coop import Entry
from protocol.errors import ProtocolError

A, B = b"\x01" * 32, b"\x02" * 32
FRAMEWORK = Path(__file__).resolve().parents[2] / "configs" / "frameworks" / "democite21.toml"


def d21() -> review.Framework:
    return review.Framework.from_mapping(tomllib.loads(FRAMEWORK.read_text(encoding="utf-8")))


def test_democite21_is_complete_in_french_and_english() -> None:
    fw = d21()
    assert [c.key for c in fw.criteria] == ["participation", "transversality", "long-term", "coresponsibility", "biosphere", "energy", "co2"]
    for c in fw.criteria:
        assert set(c.name) == {"fr", "en"} and (c.min, c.max) == (0, 4)
        assert sorted(c.scale) == [0, 1, 2, 3, 4] and all(set(v) == {"fr", "en"} for v in c.scale.values())


def test_review_checks() -> None:
    fw = d21()
    scores = {c.key: 2 for c in fw.criteria}
    mine = Entry(b"\x09" * 32, A, 1, 0, "note", {"text": "x"})
    with pytest.raises(ProtocolError, match="cannot review itself"):
        review.check_review(A, mine, fw, scores, "on-track")
    with pytest.raises(ProtocolError, match="no record with this id"):
        review.check_review(B, None, fw, scores, "on-track")
    with pytest.raises(ProtocolError, match="verdict must be one of"):
        review.check_review(B, mine, fw, scores, "great")
    with pytest.raises(ProtocolError, match="not a criterion"):
        review.check_review(B, mine, fw, {**scores, "beauty": 1}, "on-track")
    review.check_review(B, mine, fw, scores, "on-track")


def test_malformed_framework_names_the_reference() -> None:
    with pytest.raises(ProtocolError, match="democite21.toml"):
        review.Framework.from_mapping({"id": "x", "title": {"en": "x"}})


def test_averages_per_year_ignore_self_reviews() -> None:
    day = review.MS_PER_DAY
    def rv(author: bytes, n: int, ts: int, score: int) -> Entry:
        return Entry(bytes([n]) * 32, author, n, ts, "review", {"about": A, "scores": {"co2": score}})
    entries = [rv(B, 1, 0, 1), rv(B, 2, 10 * day, 3), rv(B, 3, 366 * day, 4), rv(A, 4, 0, 4)]
    avg = review.averages(review.valid_reviews(entries))
    assert avg == {"1970": {"co2": (4, 2)}, "1971": {"co2": (4, 1)}}
    assert review.period_of(1_767_225_600_000) == "2026"  # 2026-01-01T00:00Z
    assert review.period_of(1_767_225_599_999) == "2025"

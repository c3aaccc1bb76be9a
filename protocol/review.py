"""Peer review: review frameworks (criteria with a scale), review validation and averages over time.

A framework arrives as a parsed mapping (the node reads the TOML file); everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.coop import Entry, canonical
from protocol.errors import ErrorCode, RecordError

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MS_PER_DAY = 86_400_000


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    name: Mapping[str, str]  # language -> label
    min: int
    max: int
    scale: Mapping[int, Mapping[str, str]]  # score -> language -> meaning

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise RecordError(f"criterion key '{self.key[:64]}' must be lowercase letters, digits, '-' or '_'")
        if not self.min < self.max or self.min < 0 or self.max > 100:
            raise RecordError(f"criterion '{self.key}': its scale needs 0 <= min < max <= 100")


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    version: int
    title: Mapping[str, str]
    criteria: tuple[Criterion, ...]
    verdicts: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _KEY.match(self.id):
            raise RecordError(f"framework id '{self.id[:64]}' must be lowercase letters, digits, '-' or '_'")
        if not self.criteria:
            raise RecordError(f"framework '{self.id}' has no criteria")
        if len({c.key for c in self.criteria}) != len(self.criteria):
            raise RecordError(f"framework '{self.id}' names a criterion twice")
        if not self.verdicts:
            raise RecordError(f"framework '{self.id}' lists no verdicts")

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Framework:
        """Build from a parsed TOML document; raise RecordError naming the faulty field."""
        try:
            criteria = tuple(
                Criterion(
                    str(c["key"]),
                    {str(k): str(v) for k, v in c["name"].items()},
                    int(c["min"]),
                    int(c["max"]),
                    {int(k): {str(lang): str(t) for lang, t in v.items()} for k, v in c.get("scale", {}).items()},
                )
                for c in m["criteria"]
            )
            return cls(
                str(m["id"]),
                int(m.get("version", 1)),
                {str(k): str(v) for k, v in m["title"].items()},
                criteria,
                tuple(str(v) for v in m["verdicts"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RecordError(f"review framework is malformed ({type(exc).__name__}: {exc}); see configs/frameworks/democite21.toml") from None

    def check_scores(self, scores: Mapping[str, Any]) -> None:
        keys = {c.key for c in self.criteria}
        unknown = sorted(set(scores) - keys)
        if unknown:
            raise RecordError(f"'{unknown[0][:64]}' is not a criterion of framework '{self.id}'; criteria: {', '.join(sorted(keys))}")
        missing = [c.key for c in self.criteria if c.key not in scores]
        if missing:
            raise RecordError(f"no score for criterion '{missing[0]}': give one with --score {missing[0]}=N")
        for c in self.criteria:
            v = scores[c.key]
            if isinstance(v, bool) or not isinstance(v, int) or not c.min <= v <= c.max:
                raise RecordError(f"score for '{c.key}' must be an integer from {c.min} to {c.max}")


def check_review(reviewer: bytes, target: Entry | None, framework: Framework, scores: Mapping[str, Any], verdict: str) -> None:
    """Refuse a self-review, a review of an unknown record, unknown criteria or scores off the scale."""
    if target is None:
        raise RecordError("no record with this id is known here: sync with its author first, then review it", ErrorCode.NOT_ALLOWED)
    if target.author == reviewer:
        raise RecordError("a territory cannot review itself: ask peers with `democite review request`", ErrorCode.NOT_ALLOWED)
    if target.kind.startswith("review"):
        raise RecordError("a review is answered with a response, not reviewed", ErrorCode.NOT_ALLOWED)
    framework.check_scores(scores)
    if verdict not in framework.verdicts:
        raise RecordError(f"verdict must be one of: {', '.join(framework.verdicts)}")


def check_response(responder: bytes, review: Entry | None) -> None:
    if review is None or review.kind != "review":
        raise RecordError("no review with this id is known here", ErrorCode.NOT_ALLOWED)
    if review.ref("about") != responder:
        raise RecordError("only the reviewed territory answers a review", ErrorCode.NOT_ALLOWED)


def valid_reviews(entries: Iterable[Entry]) -> list[Entry]:
    """Reviews that are well formed: scores are integers and the author is not the reviewed one."""
    out = []
    for e in canonical(entries):
        if e.kind != "review" or e.ref("about") == e.author:
            continue
        scores = e.body.get("scores", {})
        if all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in scores.items()):
            out.append(e)
    return out


def period_of(ts_ms: int) -> str:
    """The calendar year of a timestamp (UTC), computed without a clock or time zone library."""
    days = ts_ms // MS_PER_DAY
    # civil-from-days (H. Hinnant), valid for the proleptic Gregorian calendar
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return str(year)


def averages(reviews: Iterable[Entry]) -> dict[str, dict[str, tuple[int, int]]]:
    """Per period, per criterion: (sum, count); the caller shows sum/count at the precision it wants."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for e in reviews:
        per = out.setdefault(period_of(e.ts), {})
        for k, v in e.body.get("scores", {}).items():
            s, n = per.get(k, (0, 0))
            per[k] = (s + int(v), n + 1)
    return out

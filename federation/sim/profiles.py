"""Fault profiles: which faults a run injects, and how often (`--faults NAME`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    drop: float = 0.0  # a request lost on the way (the caller times out)
    delay: float = 0.0  # a request held and delivered steps later, after the caller gave up
    duplicate: float = 0.0  # a request delivered now and once more later
    lose_answer: float = 0.0  # the target handled the request, its answer is lost
    crash_in_request: float = 0.0  # the target crashed right after handling it (answer lost)
    reorder: bool = False  # held requests are delivered in a shuffled order
    max_delay_steps: int = 3
    partitions: bool = False  # the nodes split into groups that later heal
    crashes: bool = False  # nodes crash between steps (kill -9: the database stays) and restart
    skew_ms: int = 0  # the largest clock skew a node gets (beyond the 60 s window: refused requests)
    hostile: bool = False  # an equivocating, a flooding and a garbage-sending member
    silent: bool = False  # a member silent for days that comes back
    rotation: bool = False  # an honest member rotates its key during the run
    removal: bool = False  # the members remove one (the garbage sender when there is one)


LOSSY = dict(drop=0.05, delay=0.03, duplicate=0.03, lose_answer=0.03, reorder=True)

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("none"),
        Profile("lossy", **LOSSY),  # type: ignore[arg-type]
        Profile("partition", partitions=True),
        Profile("crash", crashes=True, crash_in_request=0.02),
        Profile("skew", skew_ms=45_000),
        Profile("hostile", hostile=True, silent=True, rotation=True, removal=True),
        Profile(
            "all", **LOSSY, crash_in_request=0.01, partitions=True, crashes=True,  # type: ignore[arg-type]
            skew_ms=45_000, hostile=True, silent=True, rotation=True, removal=True,
        ),
    )
}
DEFAULT = "all"

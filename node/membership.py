"""Membership as one node sees it: the pure fold of `protocol.membership` over the votes and key
rotations it holds. `Node.membership()` caches the fold and drops it when it stores a vote or a
rotation, so a request that checks membership costs no query."""

from __future__ import annotations

from node.state import LogView
from node.storage.membership import VOTE_KINDS
from protocol.membership import Membership, Rotation, Vote, fold
from protocol.network import Genesis

__all__ = ["VOTE_KINDS", "fold_held"]


async def fold_held(logs: LogView, genesis: Genesis) -> Membership:
    """Fold every vote and rotation held into the current membership."""
    votes: list[Vote] = []
    rotations: list[Rotation] = []
    for rec in await logs.records(None, list(VOTE_KINDS), limit=1_000_000):
        body = rec.body
        if rec.kind == "member.endorse":
            votes.append(Vote(rec.author, body["candidate"], rec.seq, True))
        elif rec.kind == "member.remove":
            votes.append(Vote(rec.author, body["member"], rec.seq, False))
        else:
            rotations.append(Rotation(rec.author, body["new"], rec.seq, body.get("next_hash")))
    return fold(genesis, votes, rotations)

"""The membership fold: majority admission and removal, latest vote wins, key rotation."""

from __future__ import annotations

import pytest

from protocol.errors import ProtocolError, TransitionError
from protocol.membership import Event, Rotation, Status, Vote, fold, step
from protocol.network import OPEN_GENESIS, OPEN_NETWORK_ID, Admission, Founder, Genesis, genesis_from_mapping

A, B, C, D, E, N = (bytes([i]) * 32 for i in range(1, 7))
G = Genesis("T", Admission.MAJORITY, (Founder(A, "A", ""), Founder(B, "B", ""), Founder(C, "C", "")))


def test_a_candidate_needs_more_than_half_of_the_members() -> None:
    m = fold(G, [Vote(A, D, 5, True)])
    assert m.status[D] is Status.CANDIDATE and not m.accepts(D) and m.needed() == 2
    m = fold(G, [Vote(A, D, 5, True), Vote(B, D, 3, True)])
    assert D in m.members and m.accepts(D) and m.needed() == 3
    # a non-member's votes do not count
    assert fold(G, [Vote(A, E, 1, True), Vote(N, E, 1, True)]).status[E] is Status.CANDIDATE


def test_removal_is_symmetrical_and_the_latest_vote_wins() -> None:
    votes = [Vote(A, C, 1, False), Vote(B, C, 1, False)]
    m = fold(G, votes)
    assert m.status[C] is Status.REMOVED and not m.accepts(C)
    m = fold(G, [*votes, Vote(B, C, 2, True), Vote(A, C, 2, True)])
    assert m.status[C] is Status.MEMBER
    assert fold(G, [Vote(A, D, 1, True), Vote(B, D, 1, True), Vote(B, D, 4, False)]).status[D] is Status.CANDIDATE


def test_self_votes_are_ignored_and_order_does_not_matter() -> None:
    votes = [Vote(D, D, 1, True), Vote(A, D, 2, True), Vote(B, E, 1, True), Vote(C, E, 9, True), Vote(D, E, 3, True)]
    assert fold(G, votes).members == fold(G, list(reversed(votes))).members == {A, B, C, E}


def test_key_rotation_hands_membership_over_and_bounds_the_old_log() -> None:
    m = fold(G, [], [Rotation(A, N, 7)])
    assert N in m.members and A not in m.members and m.current(A) == N
    assert m.accepts_record(A, 7) and not m.accepts_record(A, 8)  # old records valid, later refused
    assert m.accepts_record(N, 1)
    # the new key votes with A's weight; a second rotation of A is void
    m = fold(G, [Vote(N, D, 1, True), Vote(B, D, 1, True)], [Rotation(A, N, 7), Rotation(A, E, 9)])
    assert D in m.members and m.current(A) == N


def test_transitions_name_state_and_event() -> None:
    assert step(Status.CANDIDATE, Event.ADMIT) is Status.MEMBER
    with pytest.raises(TransitionError, match="candidate cannot be remove"):
        step(Status.CANDIDATE, Event.REMOVE)


def test_genesis_id_and_file_validation() -> None:
    assert OPEN_GENESIS.id == OPEN_NETWORK_ID
    g2 = Genesis("T", Admission.MAJORITY, tuple(reversed(G.founders)))
    assert g2.id == G.id != OPEN_NETWORK_ID  # founders' order in the file does not change the id
    with pytest.raises(ProtocolError, match="admission"):
        genesis_from_mapping({"network": {"name": "x", "admission": "dictator"}})
    with pytest.raises(ProtocolError, match="at least one founder"):
        genesis_from_mapping({"network": {"name": "x"}})
    with pytest.raises(ProtocolError, match="listed twice"):
        Genesis("T", Admission.MAJORITY, (Founder(A, "A", ""), Founder(A, "B", "")))


def test_a_rotation_must_honour_the_previous_pre_commitment() -> None:
    from protocol.membership import key_commitment

    first = Rotation(A, N, 3, key_commitment(E))
    good = fold(G, [], [first, Rotation(N, E, 2)])
    assert good.current(A) == E and E in good.members
    thief = fold(G, [], [first, Rotation(N, D, 2)])  # N's key stolen, rotated to the thief's D
    assert thief.current(A) == N and D not in thief.members and thief.accepts_record(N, 5)


def test_a_rotation_cannot_take_over_a_key_in_use() -> None:
    # A names B's key: the territories would merge and the member count would drop from 3 to 2
    m = fold(G, [], [Rotation(A, B, 4)])
    assert m.members == {A, B, C} and m.current(A) == A
    # two territories naming the same new key: neither rotation holds
    m = fold(G, [], [Rotation(A, N, 4), Rotation(C, N, 2)])
    assert m.members == {A, B, C}

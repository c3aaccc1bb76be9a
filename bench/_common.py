"""Shared pieces of the benchmarks: synthetic signed logs and the bare Ed25519 verification rate."""

from __future__ import annotations

import os
import time

import nacl.signing

from protocol.identity import Domain, Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record


def make_log(n: int, identity: Identity | None = None, text_len: int = 150) -> tuple[Identity, list[SignedRecord]]:
    """n chained `note` records of about 300 bytes each, signed by one author."""
    ident = identity or Identity(os.urandom(32))
    out: list[SignedRecord] = []
    prev = GENESIS_PREV
    filler = "x" * text_len
    for seq in range(1, n + 1):
        rec = Record(1, OPEN_NETWORK_ID, ident.public_key, seq, prev, 1_700_000_000_000 + seq, "note", {"text": f"{seq} {filler}"})
        s = sign_record(ident, rec)
        out.append(s)
        prev = s.id
    return ident, out


def bare_verify_per_s(records: list[SignedRecord], seconds: float = 2.0) -> float:
    """Ed25519 verifications per second of the same messages, with no decoding or storage."""
    if not records:
        return 0.0
    key = nacl.signing.VerifyKey(records[0].author)
    tag = Domain.RECORD.value
    n, start = 0, time.perf_counter()
    while True:
        for r in records[:2000]:
            key.verify(tag + r.id, r.sig)
        n += min(2000, len(records))
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def parallel_verify_per_s(records: list[SignedRecord], threads: int = 2, seconds: float = 2.0) -> float:
    """The same bare verification on `threads` threads (libsodium releases the GIL): the machine's
    real ceiling for a node that verifies in parallel, printed beside the single-thread baseline."""
    from concurrent.futures import ThreadPoolExecutor

    key = nacl.signing.VerifyKey(records[0].author)
    tag = Domain.RECORD.value
    chunk = records[:2000]

    def work(_: int) -> int:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for r in chunk:
                key.verify(tag + r.id, r.sig)
            n += len(chunk)
        return n

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as ex:
        total = sum(ex.map(work, range(threads)))
    return total / (time.perf_counter() - start)

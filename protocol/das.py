"""Societal Activity Rights (DAS): the pure, public parts.

- periods (`2026`, `2026-Q1`, `2026-03`) and their bounds;
- salted statement commitments (the leaves of a summary's Merkle tree);
- k-anonymity cells and their (primary and complementary) suppression;
- the checks any node or evaluator runs on a `das.summary` body, including its `consents` part
  (how many consent acts, and how many distinct accounts behind them, by kind and role);
- the disclosure format of `democite das prove` and its offline verification.

Nothing here knows a person: a statement is committed as `SHA-256(tag || salt || SHA-256(body))`
where `body` is the canonical msgpack of the statement's disclosable form (no name, no pseudonym:
the holder is itself a salted hash). Without the salt, a leaf reveals nothing; the node destroys the
salts when a person is erased, and every published record stays valid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from protocol import encoding, merkle
from protocol.errors import ProofError, RecordError
from protocol.identity import KEY_BYTES
from protocol.record import MAX_RECORD_BYTES, open_record

STATEMENT_TAG = b"democite/v1/das-statement\x00"
HOLDER_TAG = b"democite/v1/das-holder\x00"
SALT_BYTES = 32
DISCLOSURE_FORMAT = "democite/das-disclosure/v1"
MIN_K = 5
MIN_TREE = 16  # the statement tree is padded to a power of two, at least this many leaves
SENSITIVE_THEMES = frozenset({"union", "religious", "political", "health"})
GENERIC_CATEGORY = "generic"

CONSENT_KINDS = ("contract", "profile", "flexibility", "entry_decision")
# Staff act in office: their counts are published as they are. Every other role stands for
# inhabitants (persons, employers' representatives, volunteer coordinators): under k accounts, suppressed.
STAFF_ROLES = frozenset({"owner", "office"})
CONSENT_VALUES = frozenset({"acts", "accounts", "paper"})
MAX_ROLES = 16

_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


# -- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    text: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def kind(self) -> str:
        if "-Q" in self.text:
            return "quarter"
        return "month" if "-" in self.text else "year"


def parse_period(text: str) -> Period:
    """`2026` (a year), `2026-Q1` (a quarter) or `2026-03` (a month)."""
    m = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise RecordError(f"period '{str(text)[:20]}' is not YYYY, YYYY-Qn or YYYY-MM (for example 2026-Q1)")
    year = int(m.group(1))
    if not 1900 <= year <= 9999:
        raise RecordError(f"period '{text[:20]}': the year is 1900 to 9999 (a period is YYYY, YYYY-Qn or YYYY-MM, e.g. 2026-Q1)")
    part = m.group(2)
    if part is None:
        return Period(m.group(0), dt.date(year, 1, 1), dt.date(year, 12, 31))
    if part.startswith("Q"):
        q = int(part[1])
        start = dt.date(year, 3 * q - 2, 1)
        return Period(m.group(0), start, _month_end(year, 3 * q))
    month = int(part)
    if not 1 <= month <= 12:
        raise RecordError(f"period '{text[:20]}': the month is 01 to 12 (a period is YYYY, YYYY-Qn or YYYY-MM, e.g. 2026-03)")
    return Period(m.group(0), dt.date(year, month, 1), _month_end(year, month))


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return nxt - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# -- commitments -----------------------------------------------------------------------------


def holder_commitment(person_salt: bytes) -> bytes:
    """What a statement says about its holder: a salted hash that links one person's statements."""
    _check_salt(person_salt)
    return hashlib.sha256(HOLDER_TAG + person_salt).digest()


def statement_leaf(salt: bytes, statement_raw: bytes) -> bytes:
    """The salted commitment to one statement (a leaf of the summary's tree)."""
    _check_salt(salt)
    return hashlib.sha256(STATEMENT_TAG + salt + hashlib.sha256(statement_raw).digest()).digest()


def _check_salt(salt: bytes) -> None:
    if not isinstance(salt, bytes) or len(salt) != SALT_BYTES:
        raise ProofError(f"a salt is exactly {SALT_BYTES} bytes")


def padded_size(n: int) -> int:
    """Size of the statement tree for n statements: a power of two, at least MIN_TREE.

    Padding with random leaves keeps the number of statements of a small territory out of the
    published record (it only shows an upper bound), so the tree size is never a count < k.
    """
    size = MIN_TREE
    while size < n:
        size *= 2
    return size


def tree_nodes(leaves: Sequence[bytes]) -> dict[merkle.Node, bytes]:
    """Every perfect subtree hash of a whole tree held in memory (to build inclusion proofs)."""
    return {(lv, ix): h for lv, ix, h in merkle.append_nodes(0, {}, leaves)}


# -- k-anonymous cells -----------------------------------------------------------------------


def cell(persons: int, k: int, **values: int) -> dict[str, Any]:
    """A published cell: its values, or only `suppressed` when it counts fewer than k persons."""
    if persons < k:
        return {"suppressed": True}
    return {"persons": persons, **values}


def suppress_group(
    cells: dict[str, dict[str, Any]],
    raw_persons: Mapping[str, int],
    total_published: bool,
    *,
    k: int,
    members: Mapping[str, AbstractSet[int]] | None = None,
) -> None:
    """Complementary suppression: when a group's total is published, the hidden cells together are
    a subtraction away (total - shown cells), so they must together count at least k persons.

    The smallest shown cell is hidden, then the next, until the hidden cells count at least k
    persons or every cell is hidden. `members` (each cell's persons), when given, counts a person
    found in two hidden cells once: a plain sum would let two cells of the same three persons pass
    for a group of six.
    """
    if not total_published:
        return
    hidden = {name for name, c in cells.items() if c.get("suppressed")}
    shown = sorted((raw_persons[name], name) for name in cells if name not in hidden)

    def hidden_persons() -> int:
        if members is None:
            return sum(raw_persons[name] for name in hidden)
        union: set[int] = set()
        for name in hidden:
            union |= members[name]
        return len(union)

    while hidden and shown and hidden_persons() < k:
        _, name = shown.pop(0)
        cells[name] = {"suppressed": True}
        hidden.add(name)


def consent_cells(rows: Sequence[tuple[str, str, int, int, int]], k: int) -> dict[str, dict[str, dict[str, Any]]]:
    """The `consents` part of a summary from (kind, role, acts, distinct accounts, acts recorded from paper) rows.

    Counts only, never an account id; a non-staff role's cell counting fewer than k accounts is
    suppressed (a role's cells are not summed into a published total, so no subtraction reveals one)."""
    out: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in CONSENT_KINDS}
    for kind, role, acts, accounts, paper in rows:
        if kind not in out:
            raise RecordError(f"das.summary: unknown consent kind '{kind[:20]}'")
        if role not in STAFF_ROLES and accounts < k:
            out[kind][role] = {"suppressed": True}
        else:
            out[kind][role] = {"acts": acts, "accounts": accounts, "paper": paper}
    return out


def check_consents(consents: Any, k: int) -> None:
    if not isinstance(consents, dict) or set(consents) - set(CONSENT_KINDS):
        raise RecordError(f"das.summary: 'consents' maps kinds ({', '.join(CONSENT_KINDS)}) to roles")
    for kind, roles in consents.items():
        if not isinstance(roles, dict) or len(roles) > MAX_ROLES:
            raise RecordError(f"das.summary: consents.{kind} maps at most {MAX_ROLES} roles to cells")
        for role, c in roles.items():
            name = f"consents.{kind}.{str(role)[:20]}"
            if not isinstance(role, str) or not isinstance(c, dict):
                raise RecordError(f"das.summary: cell '{name}' must be a map under a role name")
            if c.get("suppressed") is True:
                if set(c) != {"suppressed"}:
                    raise RecordError(f"das.summary: suppressed cell '{name}' carries values")
                continue
            if set(c) != CONSENT_VALUES or any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in c.values()):
                raise RecordError(f"das.summary: cell '{name}' holds acts, accounts and paper, non-negative integers")
            if role not in STAFF_ROLES and c["accounts"] < k:
                raise RecordError(f"das.summary: cell '{name}' counts fewer than k={k} accounts")


def public_category(sdg: int, theme: str | None) -> str:
    """The category a project is published under: its SDG, or `generic` for special-category themes."""
    if theme and theme in SENSITIVE_THEMES:
        return GENERIC_CATEGORY
    return f"sdg-{sdg}"


def _cells_in(body: Mapping[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name in ("persons", "contracts", "granted", "given", "credited", "employers"):
        if name in body:
            out.append((name, body[name]))
    for group in ("by_status", "by_category", "by_family"):
        for key, value in (body.get(group) or {}).items():
            out.append((f"{group}.{key}", value))
    return out


def check_summary(body: Mapping[str, Any]) -> None:
    """What any node or evaluator can check on a `das.summary` body: k >= 5, no cell under k."""
    k = body.get("k")
    if not isinstance(k, int) or isinstance(k, bool) or k < MIN_K:
        raise RecordError(f"das.summary: k must be an integer of at least {MIN_K}")
    parse_period(str(body.get("period", "")))
    for name, c in _cells_in(body):
        if not isinstance(c, dict):
            raise RecordError(f"das.summary: cell '{name}' must be a map")
        if c.get("suppressed") is True:
            if set(c) != {"suppressed"}:
                raise RecordError(f"das.summary: suppressed cell '{name}' carries values")
            continue
        persons = c.get("persons")
        if not isinstance(persons, int) or isinstance(persons, bool) or persons < k:
            raise RecordError(f"das.summary: cell '{name}' counts fewer than k={k} persons")
        for key, value in c.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise RecordError(f"das.summary: cell '{name}' value '{key}' must be a non-negative integer")
    if "consents" in body:
        check_consents(body["consents"], k)
    size = body.get("statements")
    if not isinstance(size, int) or size < MIN_TREE or size & (size - 1):
        raise RecordError("das.summary: 'statements' is the padded tree size, a power of two >= 16")
    root = body.get("statements_root")
    if not isinstance(root, bytes) or len(root) != 32:
        raise RecordError("das.summary: 'statements_root' is 32 bytes")


# -- disclosures -----------------------------------------------------------------------------


def make_disclosure(
    summary_raw: bytes,
    summary_sig: bytes,
    statement_raw: bytes,
    salt: bytes,
    index: int,
    size: int,
    proof: Sequence[bytes],
) -> dict[str, Any]:
    """The JSON document `democite das prove` writes: everything an evaluator needs, offline."""
    return {
        "format": DISCLOSURE_FORMAT,
        "summary": {"raw": summary_raw.hex(), "sig": summary_sig.hex()},
        "statement": statement_raw.hex(),
        "salt": salt.hex(),
        "index": index,
        "size": size,
        "proof": [p.hex() for p in proof],
    }


@dataclass(frozen=True, slots=True)
class VerifiedDisclosure:
    author: bytes
    summary_id: bytes
    period: str
    statement: dict[str, Any]
    leaf: bytes


def _hex(doc: Mapping[str, Any], *path: str) -> bytes:
    value: Any = doc
    for p in path:
        if not isinstance(value, Mapping) or p not in value:
            raise ProofError(f"disclosure: missing '{'.'.join(path)}'")
        value = value[p]
    try:
        if not isinstance(value, str):
            raise ValueError
        return bytes.fromhex(value)
    except ValueError:
        raise ProofError(f"disclosure: '{'.'.join(path)}' is not hexadecimal") from None


def verify_disclosure(doc: Any, author: bytes | None = None) -> VerifiedDisclosure:
    """Check a disclosure offline. Raises ProofError (or another ProtocolError) when it fails.

    Checks, in order: the summary record's signature on its exact bytes (by `author` when given,
    else by the author the record names), its kind, that the statement is canonical, that its
    salted commitment is leaf `index` of a tree of `size` leaves whose root the summary signed,
    and that the statement's period is the summary's.
    """
    if not isinstance(doc, Mapping) or doc.get("format") != DISCLOSURE_FORMAT:
        raise ProofError(f"not a DAS disclosure (format must be '{DISCLOSURE_FORMAT}')")
    raw, sig = _hex(doc, "summary", "raw"), _hex(doc, "summary", "sig")
    if len(raw) > MAX_RECORD_BYTES:
        raise ProofError("disclosure: the summary is larger than any record")
    if author is None:  # only then is anything decoded before the signature is checked
        try:
            claimed = encoding.decode(raw)["author"]
        except (TypeError, KeyError) as exc:
            raise ProofError("disclosure: the summary is not a record") from exc
        if not isinstance(claimed, bytes) or len(claimed) != KEY_BYTES:
            raise ProofError("disclosure: the summary names no author")
        author = claimed
    rec = open_record(raw, sig, author)
    if rec.record.kind != "das.summary":
        raise ProofError(f"disclosure: the signed record is a '{rec.record.kind}', not a das.summary")
    body = rec.record.body
    check_summary(body)
    statement_raw = _hex(doc, "statement")
    salt = _hex(doc, "salt")
    statement = encoding.decode(statement_raw)
    if not isinstance(statement, dict):
        raise ProofError("disclosure: the statement is not a map")
    index, size = doc.get("index"), doc.get("size")
    if not isinstance(index, int) or not isinstance(size, int) or isinstance(index, bool) or isinstance(size, bool):
        raise ProofError("disclosure: 'index' and 'size' are integers")
    if size != body["statements"]:
        raise ProofError("disclosure: the tree size is not the one the summary signed")
    proof_hex = doc.get("proof")
    if not isinstance(proof_hex, list):
        raise ProofError("disclosure: 'proof' is a list")
    try:
        proof = [bytes.fromhex(p) for p in proof_hex]
    except (TypeError, ValueError):
        raise ProofError("disclosure: 'proof' holds non-hexadecimal hashes") from None
    leaf = statement_leaf(salt, statement_raw)
    merkle.verify_inclusion(leaf, index, size, proof, body["statements_root"])
    if statement.get("period") != body["period"]:
        raise ProofError("disclosure: the statement's period is not the summary's")
    return VerifiedDisclosure(author, rec.id, str(body["period"]), encoding.to_json(statement), leaf)



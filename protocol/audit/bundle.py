"""The `.dmc` bundle format: a magic line, canonical msgpack frames, a sealed SHA-256 footer.

    MAGIC | header | (log | records | checkpoint | fork | disclosure)* | end

Every frame is one canonical msgpack map with a text field `t`. The `end` frame holds the
number of frames before it, the SHA-256 of every byte before it (magic included) and the
exporter's signature over that digest. Records, checkpoints, cosignatures and fork proofs carry
their own signatures; the footer covers the bytes no signature covers (framing, declared sizes,
proofs), so one changed bit anywhere fails the audit. The format streams: a writer never needs
to know counts in advance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import msgpack

from protocol import encoding
from protocol.errors import EncodingError, ErrorCode, ProtocolError
from protocol.identity import Identity, verify_raw

MAGIC = b"\x89DMC-BUNDLE\r\n\x1a\n\x00"  # PNG-style: catches text-mode and truncation damage
VERSION = 1
SEAL_TAG = b"democite/v1/bundle\x00"
MAX_FRAME = 2 * 1024 * 1024
PAGE_BYTES = 512 * 1024  # records per frame are cut well below MAX_FRAME

FRAME_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "header": frozenset({"t", "v", "net", "exporter", "created", "genesis", "scope"}),
    "log": frozenset({"t", "author", "size"}),
    "records": frozenset({"t", "author", "items"}),
    "checkpoint": frozenset({"t", "author", "cp", "cosigs", "proof"}),
    "fork": frozenset({"t", "proof"}),
    "disclosure": frozenset({"t", "scheme", "territory", "data"}),
    "end": frozenset({"t", "frames", "sha256", "seal"}),
})


class BundleWriter:
    """Produces a bundle's bytes frame by frame while hashing them (the caller streams them out)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._frames = 0

    def _emit(self, data: bytes) -> bytes:
        self._hash.update(data)
        return data

    def start(self, net: bytes, exporter: bytes, created: int, genesis: dict[str, Any] | None, scope: str) -> bytes:
        head = {"t": "header", "v": VERSION, "net": net, "exporter": exporter, "created": created,
                "genesis": genesis, "scope": scope}
        return self._emit(MAGIC) + self.frame(head)

    def frame(self, value: dict[str, Any]) -> bytes:
        data = encoding.encode(value)
        if len(data) > MAX_FRAME:
            raise EncodingError(f"bundle frame of {len(data)} bytes exceeds {MAX_FRAME}", ErrorCode.TOO_LARGE)
        self._frames += 1
        return self._emit(data)

    def log(self, author: bytes, size: int) -> bytes:
        return self.frame({"t": "log", "author": author, "size": size})

    def records(self, author: bytes, items: list[list[bytes]]) -> bytes:
        return self.frame({"t": "records", "author": author, "items": items})

    def checkpoint(self, author: bytes, cp: list[bytes], cosigs: list[list[Any]], proof: list[bytes]) -> bytes:
        return self.frame({"t": "checkpoint", "author": author, "cp": cp, "cosigs": cosigs, "proof": proof})

    def fork(self, proof: dict[str, Any]) -> bytes:
        return self.frame({"t": "fork", "proof": proof})

    def disclosure(self, scheme: str, territory: bytes, data: Any) -> bytes:
        return self.frame({"t": "disclosure", "scheme": scheme, "territory": territory, "data": data})

    def end(self, identity: Identity) -> bytes:
        digest = self._hash.digest()
        seal = identity.sign_raw(SEAL_TAG + digest)
        return encoding.encode({"t": "end", "frames": self._frames, "sha256": digest, "seal": seal})


@dataclass(frozen=True, slots=True)
class Frame:
    offset: int
    value: dict[str, Any]


@dataclass(slots=True)
class Parsed:
    """Frames read from a bundle, and what went wrong reading it (messages name byte offsets)."""

    frames: list[Frame] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)
    header: dict[str, Any] | None = None
    sealed: bool = False


def _refuse_ext(code: int, data: bytes) -> Any:
    raise EncodingError("msgpack ext types are not allowed", ErrorCode.BAD_TYPE)


def parse(data: bytes) -> Parsed:
    """Split a bundle into frames, checking magic, canonical form, frame fields and the footer.

    Reading stops at the first unreadable byte: nothing after it can be trusted to be framed right.
    """
    out = Parsed()
    if not data.startswith(MAGIC):
        out.errors.append("not a Démocité bundle: the file does not start with the .dmc magic bytes")
        return out
    end, end_at = _read_frames(data, out)
    if out.header is None:
        out.errors.append("the bundle has no header frame")
    if end is None:
        out.integrity.append("the bundle has no end frame: it is truncated or its footer is damaged")
        return out
    _check_footer(data, out, end, end_at)
    return out


def _read_frames(data: bytes, out: Parsed) -> tuple[dict[str, Any] | None, int]:
    """Read every frame after the magic into `out`; return the end frame and its offset (None, 0 if absent)."""
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=True, ext_hook=_refuse_ext, use_list=True,
                                max_buffer_size=max(len(data), 1024))
    unpacker.feed(data[len(MAGIC):])
    pos = len(MAGIC)
    end: dict[str, Any] | None = None
    end_at = 0
    while True:
        try:
            value = unpacker.unpack()
        except msgpack.OutOfData:
            if unpacker.tell() + len(MAGIC) != pos:
                out.errors.append(f"the bundle is truncated inside the frame at byte {pos}")
            break
        except (ValueError, TypeError, msgpack.UnpackException, EncodingError, RecursionError) as exc:
            out.errors.append(f"unreadable bytes at byte {pos} ({type(exc).__name__}): the bundle is damaged from there on")
            break
        nxt = len(MAGIC) + unpacker.tell()
        problem = _frame_problem(value, data[pos:nxt])
        if problem:
            out.errors.append(f"frame at byte {pos}: {problem}")
        elif end is not None:
            out.errors.append(f"frame at byte {pos} comes after the end frame")
        elif value["t"] == "end":
            end, end_at = value, pos
        else:
            _keep_frame(out, pos, value)
        pos = nxt
    return end, end_at


def _keep_frame(out: Parsed, pos: int, value: dict[str, Any]) -> None:
    """A well-formed frame before the end: the header comes first and once."""
    if value["t"] == "header":
        if out.frames or out.header is not None:
            out.errors.append(f"frame at byte {pos}: a second header")
        else:
            if value["v"] != VERSION:
                out.errors.append(f"bundle version {str(value['v'])[:8]} is not supported (this audit reads version {VERSION})")
            out.header = value
            out.frames.append(Frame(pos, value))
        return
    if out.header is None and not out.frames:
        out.errors.append(f"frame at byte {pos}: the bundle must start with its header")
    out.frames.append(Frame(pos, value))


def _check_footer(data: bytes, out: Parsed, end: dict[str, Any], end_at: int) -> None:
    """The end frame's digest, frame count and the exporter's seal over the bytes before it."""
    digest = hashlib.sha256(data[:end_at]).digest()
    if end["sha256"] != digest:
        out.integrity.append("the SHA-256 of the bundle does not match its footer: bytes were changed after export")
    if end["frames"] != len(out.frames):
        out.integrity.append(f"the footer counts {end['frames']} frames, the bundle has {len(out.frames)}")
    exporter = out.header.get("exporter") if out.header else None
    try:
        if not isinstance(exporter, bytes):
            raise ProtocolError("no exporter key")
        verify_raw(exporter, SEAL_TAG + end["sha256"], end["seal"])
        out.sealed = True
    except ProtocolError:
        out.integrity.append("the exporter's seal on the footer does not verify with the header's exporter key")


def _frame_problem(value: Any, raw: bytes) -> str:
    if len(raw) > MAX_FRAME:
        return f"{len(raw)} bytes, over the {MAX_FRAME}-byte frame limit"
    if not isinstance(value, dict) or not isinstance(value.get("t"), str):
        return "not a frame (a map with a text field 't')"
    fields = FRAME_FIELDS.get(value["t"])
    if fields is None:
        return f"unknown frame type '{value['t'][:32]}'"
    if set(value) != fields:
        return f"'{value['t']}' frame fields are {', '.join(sorted(fields))}"
    try:
        canonical = encoding.encode(value) == raw
    except EncodingError as exc:
        return exc.message
    if not canonical:
        return "not in canonical msgpack form"
    if value["t"] == "end" and not (
        isinstance(value["frames"], int) and isinstance(value["sha256"], bytes) and len(value["sha256"]) == 32
        and isinstance(value["seal"], bytes) and len(value["seal"]) == 64
    ):
        return "the end frame is malformed"
    return ""

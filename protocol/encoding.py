"""Deterministic msgpack profile: the only byte encoding that crosses between nodes.

Maps have text keys sorted by their UTF-8 bytes, integers only (no floats), `bin` for bytes,
no ext types, depth <= 16. `decode` refuses anything whose bytes differ from the canonical
re-encoding, so one value has exactly one encoding and a hash of bytes is a hash of meaning.
"""

from __future__ import annotations

from typing import Any

import msgpack

from protocol.errors import EncodingError, ErrorCode

MAX_DEPTH = 16
DEFAULT_MAX_SIZE = 1 << 20  # 1 MiB: far above any record, low enough to bound work per message
INT_MIN = -(1 << 63)
INT_MAX = (1 << 64) - 1

Value = Any  # None | bool | int | str | bytes | list[Value] | dict[str, Value]


def _too_deep() -> EncodingError:
    return EncodingError(f"value nests more than {MAX_DEPTH} maps and arrays", ErrorCode.TOO_DEEP)


def _canon(value: Value, depth: int) -> Value:
    """`depth` counts the maps and arrays around `value`."""
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise EncodingError("integer out of the 64-bit range", ErrorCode.BAD_TYPE)
        return value
    if isinstance(value, (list, tuple, dict)) and depth >= MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, (list, tuple)):
        return [_canon(v, depth + 1) for v in value]
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise EncodingError("map keys must be text", ErrorCode.BAD_TYPE)
        keys = sorted(value, key=lambda k: k.encode("utf-8"))
        return {k: _canon(value[k], depth + 1) for k in keys}
    if isinstance(value, float):
        raise EncodingError("floats are not allowed: use integers (cents, minutes)", ErrorCode.BAD_TYPE)
    raise EncodingError(f"type {type(value).__name__} cannot be encoded", ErrorCode.BAD_TYPE)


def encode(value: Value) -> bytes:
    """Canonical bytes of `value`. Raises EncodingError for values outside the profile."""
    return msgpack.packb(_canon(value, 0), use_bin_type=True)  # type: ignore[no-any-return]


def _refuse_ext(code: int, data: bytes) -> Any:
    raise EncodingError("msgpack ext types are not allowed", ErrorCode.BAD_TYPE)


# Exact types, not isinstance: msgpack decodes its Timestamp ext (type -1) itself, without
# calling ext_hook, so the only sure gate is to admit the profile's types and nothing else.
_SCALARS = frozenset({type(None), bool, int, str, bytes})


def _refuse_type(value: Value) -> EncodingError:
    if isinstance(value, float):
        return EncodingError("floats are not allowed: use integers (cents, minutes)", ErrorCode.BAD_TYPE)
    return EncodingError(
        f"msgpack type {type(value).__name__} is not allowed: only nil, bool, int, str, bin, array and map",
        ErrorCode.BAD_TYPE,
    )


def _check_decoded(value: Value, depth: int) -> None:
    """Profile rules a byte-for-byte re-encoding cannot see: key order, key type, depth, and the
    admitted types (floats and ext types such as Timestamp are refused).

    UTF-8 preserves code point order, so Python's str ordering is the UTF-8 byte ordering.
    """
    t = type(value)
    if t is dict:
        if depth >= MAX_DEPTH:
            raise _too_deep()
        prev: str | None = None
        for k, v in value.items():
            if type(k) is not str:
                raise EncodingError("map keys must be text", ErrorCode.BAD_TYPE)
            if prev is not None and k <= prev:
                raise EncodingError("map keys are not sorted", ErrorCode.NOT_CANONICAL)
            prev = k
            if type(v) not in _SCALARS:
                _check_decoded(v, depth + 1)
    elif t is list:
        if depth >= MAX_DEPTH:
            raise _too_deep()
        for v in value:
            if type(v) not in _SCALARS:
                _check_decoded(v, depth + 1)
    elif t not in _SCALARS:
        raise _refuse_type(value)


# How dense a large message may be before it is refused undecoded. The densest messages of the
# protocol (reconciliation ranges) hold a value per 5.6 bytes and a map or array per 17 bytes;
# 8 MiB of empty maps would become 8 million Python dicts (600 MB) once decoded. With these
# bounds a message decodes to at most ~16 bytes of objects per byte received.
MIN_BYTES_PER_VALUE = 2
MIN_BYTES_PER_CONTAINER = 8
SCAN_ABOVE = 64 * 1024  # smaller messages cannot amplify enough to matter

# msgpack type byte -> (bytes of length or value that follow, kind): kind "raw" is followed by
# that many bytes, "len" by a length field then the data, "arr"/"map" by a count field
_FIXED = {0xc0: 0, 0xc2: 0, 0xc3: 0, 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
          0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17}
_SIZED = {0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4, 0xc7: -1, 0xc8: -2, 0xc9: -4}
_COUNTED = {0xdc: (2, 1), 0xdd: (4, 1), 0xde: (2, 2), 0xdf: (4, 2)}


def count_objects(data: bytes, max_values: int, max_containers: int | None = None) -> int:
    """How many msgpack values `data` holds (map keys count), scanning the bytes without building
    any of them; refused past `max_values` values or `max_containers` maps and arrays. Malformed
    or truncated bytes end the scan: the decoder names them."""
    count, containers, pending, i, n = 0, 0, 1, 0, len(data)
    limit = max_values if max_containers is None else max_containers
    while pending and i < n:
        pending -= 1
        count += 1
        if count > max_values:
            raise _too_dense(n, f"{max_values} values")
        b = data[i]
        i += 1
        if b <= 0x7f or b >= 0xe0:
            continue
        if 0x80 <= b <= 0x9f or b in _COUNTED:
            containers += 1
            if containers > limit:
                raise _too_dense(n, f"{limit} maps and arrays")
        if b <= 0x8f:
            pending += 2 * (b & 0x0f)
        elif b <= 0x9f:
            pending += b & 0x0f
        elif b <= 0xbf:
            i += b & 0x1f
        elif b in _FIXED:
            i += _FIXED[b]
        elif b in _SIZED:
            width = abs(_SIZED[b])
            length = int.from_bytes(data[i : i + width], "big")
            i += width + length + (1 if _SIZED[b] < 0 else 0)  # ext: a type byte before the data
        elif b in _COUNTED:
            width, per = _COUNTED[b]
            pending += per * int.from_bytes(data[i : i + width], "big")
            i += width
        else:
            break  # 0xc1: never used; the decoder refuses it
    return count


def _too_dense(size: int, what: str) -> EncodingError:
    return EncodingError(f"message holds more than {what} for its {size} bytes: no message of the protocol is that dense",
                         ErrorCode.TOO_DENSE)


def decode(data: bytes, max_size: int = DEFAULT_MAX_SIZE) -> Value:
    """Decode canonical bytes, bounded before any work: size, then how many values the bytes
    hold, then structure, then canonicity."""
    if len(data) > max_size:
        raise EncodingError(
            f"message is {len(data)} bytes, over the {max_size}-byte limit", ErrorCode.TOO_LARGE
        )
    if len(data) > SCAN_ABOVE:
        count_objects(data, len(data) // MIN_BYTES_PER_VALUE, len(data) // MIN_BYTES_PER_CONTAINER)
    try:
        value = msgpack.unpackb(
            data,
            raw=False,
            use_list=True,
            strict_map_key=True,
            ext_hook=_refuse_ext,
        )
    except EncodingError:
        raise
    except msgpack.ExtraData as exc:
        raise EncodingError("trailing bytes after the message", ErrorCode.MALFORMED) from exc
    except (ValueError, msgpack.UnpackException, TypeError, RecursionError) as exc:
        # msgpack reports truncation, bad UTF-8 and stack overflow with assorted types
        raise EncodingError(f"not valid msgpack ({type(exc).__name__})", ErrorCode.MALFORMED) from exc
    _check_decoded(value, 0)
    # decoded maps keep their wire order, so packing them back reproduces the input exactly when
    # (and only when) every length and integer used its shortest form
    if msgpack.packb(value, use_bin_type=True) != data:
        raise EncodingError(
            "bytes are not in canonical form (shortest encodings)",
            ErrorCode.NOT_CANONICAL,
        )
    return value


def to_json(value: Any) -> Any:
    """A decoded value as something json.dumps accepts, bytes shown as hex: the one such helper.
    Total: an unknown type becomes its repr, so a strange stored value never makes a view fail."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return repr(value)

"""Just enough Edwards25519 arithmetic (RFC 8032 section 5.1) to build signatures libsodium must
refuse, for the Ed25519 edge-case vectors. Slow, variable time: test data only, never keys."""

from __future__ import annotations

import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)
IDENTITY: Point = (0, 1, 1, 0)


def add(p: Point, q: Point) -> Point:
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a, b = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    c, d = 2 * t1 * t2 * D % P, 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def mul(k: int, p: Point) -> Point:
    r = IDENTITY
    while k:
        if k & 1:
            r = add(r, p)
        p, k = add(p, p), k >> 1
    return r


def encode(p: Point) -> bytes:
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def decode(s: bytes) -> Point | None:
    y = int.from_bytes(s, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if (x & 1) != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE = decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def torsion_of_order_8() -> Point:
    """The torsion part [L]Q of the first point Q (by y = 2, 3, ...) whose torsion has order 8."""
    for y in range(2, 1000):
        q = decode(y.to_bytes(32, "little"))
        if q is not None and encode(mul(4, t := mul(L, q))) != encode(IDENTITY):
            return t
    raise AssertionError("no point with an order-8 component")


def mixed_order_r_signature(seed: bytes, msg: bytes) -> tuple[bytes, bytes]:
    """(public key, signature) whose R carries an order-8 component: it satisfies the cofactored
    equation [8][S]B = [8]R + [8][k]A but not the cofactorless one."""
    assert BASE is not None
    h = hashlib.sha512(seed).digest()
    a = (int.from_bytes(h[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    pub = encode(mul(a, BASE))
    r = int.from_bytes(hashlib.sha512(h[32:] + msg).digest(), "little") % L
    big_r = encode(add(mul(r, BASE), torsion_of_order_8()))
    k = int.from_bytes(hashlib.sha512(big_r + pub + msg).digest(), "little") % L
    return pub, big_r + ((r + k * a) % L).to_bytes(32, "little")

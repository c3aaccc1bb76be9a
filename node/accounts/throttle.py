"""Sign-in throttling, per account name and per address: after repeated failures in a window the
next attempts are refused without checking the password, with the same words whether or not the
account exists. Kept in memory (a restart forgets it) and bounded in size."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

WINDOW_MS = 15 * 60_000
PER_ACCOUNT = 5  # failures per username in the window (NIST SP 800-63B allows up to 100)
PER_ADDRESS = 20  # failures per address: a guesser trying many names
MAX_KEYS = 10_000  # the oldest keys go first beyond this


@dataclass(slots=True)
class Throttle:
    failures: OrderedDict[str, deque[int]] = field(default_factory=OrderedDict)

    def _recent(self, key: str, now: int) -> deque[int]:
        q = self.failures.get(key)
        if q is None:
            return deque()
        while q and now - q[0] > WINDOW_MS:
            q.popleft()
        return q

    def blocked(self, username: str, address: str, now: int) -> int:
        """Milliseconds to wait before trying again (0: go ahead)."""
        waits = []
        for key, limit in ((f"u:{username.casefold()}", PER_ACCOUNT), (f"a:{address}", PER_ADDRESS)):
            q = self._recent(key, now)
            if len(q) >= limit:
                waits.append(WINDOW_MS - (now - q[0]))
        return max(waits, default=0)

    def failed(self, username: str, address: str, now: int) -> None:
        for key in (f"u:{username.casefold()}", f"a:{address}"):
            q = self.failures.pop(key, None) or deque(maxlen=PER_ADDRESS)
            q.append(now)
            self.failures[key] = q
        while len(self.failures) > MAX_KEYS:
            self.failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        self.failures.pop(f"u:{username.casefold()}", None)

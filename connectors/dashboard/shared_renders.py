"""One render of a busy view for every open page that refreshes it after the same change.

A page that watches every task (the tasks, runs, workflows and stats lists) fetches itself again
after each change the live feed pushes (``static/app.js``, with the header ``X-Live``). With 100
such pages in view, serve rendered the same view about 100 times per change, in the process the
engine runs in, and fires ran late (bench/RESULTS.md, "pages that refetch"). A live refresh
gets only the page's ``<main id="live">`` (all the script swaps in), and that part is kept for
every viewer who would get the very same bytes: same address and query, same role and zone,
and the same person unless an admin (admins see every task on these views), with each viewer's
own CSRF token put back in.

An entry serves only while the live feed has read nothing new since the read behind it began
(so a refresh that a change prompted never gets the view from before that change) and for at
most ``ttl`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

# Stands for a viewer's CSRF token in a kept render (a token is URL-safe base64: never this).
CSRF_SLOT = "<!--csrf-->"
_OPEN, _CLOSE = '<main id="live">', "</main>"

# The views rendered once for every viewer alike: lists whose content depends on the viewer only
# through role, zone and, for non-admins, who they are. (A task's page words its origin for the
# viewer, "by you"; the approvals page too: not shared.)
SHARED_VIEWS = frozenset({"/dashboard/", "/dashboard/runs", "/dashboard/workflows", "/dashboard/stats"})


def live_part(html: str) -> str | None:
    """The page's ``<main id="live">…</main>``, or None when it has none."""
    start = html.find(_OPEN)
    end = html.rfind(_CLOSE)
    if start < 0 or end < start:
        return None
    return html[start:end + len(_CLOSE)]


class SharedRenders:
    """Kept live parts by view key, each with the feed's version it was read at. Page handlers
    run in a thread pool: every access holds the lock."""

    def __init__(self, *, ttl: float = 1.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._kept: OrderedDict[Hashable, tuple[object, float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: object, csrf: str) -> str | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept[0] != version or self.clock() - kept[1] > self.ttl:
                return None
            return kept[2].replace(CSRF_SLOT, csrf)

    def put(self, key: Hashable, version: object, part: str, csrf: str) -> None:
        with self._lock:
            self._kept[key] = (version, self.clock(), part.replace(csrf, CSRF_SLOT) if csrf else part)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

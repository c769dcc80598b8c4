"""Decide whether the http action may contact a URL, and pin the connection to the checked address.

The guard refuses internal targets even when the host allowlist is empty (reference §0 finding 8):
a URL is parsed once by us, its host is canonicalised (NFKC, IDNA, numeric IPv4 spellings, one
trailing dot), resolved once, and *every* answer is checked. The request is then rebuilt from the
checked parts and sent through ``PinnedTransport``, which connects to the checked IP while keeping
the original Host header and TLS SNI, so a second DNS answer (rebinding) can never be used.

Allowlist entries (``CRONPILOT_HTTP_ALLOWED_HOSTS``) are ``host``, ``host:port``, ``[v6]:port``, an
IP literal, or ``*.example.com`` (subdomains only). A non-empty allowlist limits which hosts may be
contacted. Only an *exact* entry (host name or IP, not a ``*.`` pattern) unlocks an internal
address: wildcards are for public services, and must not open a private network by accident.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
import idna

from .base import ActionFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

ALLOWLIST_SETTING = "CRONPILOT_HTTP_ALLOWED_HOSTS"
DEFAULT_PORTS = {"http": 80, "https": 443}
# Names that reach a cloud metadata service without any DNS answer we could check.
BLOCKED_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})

_V4_BLOCKS = [
    (ipaddress.ip_network(net), why)
    for net, why in [
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.169.254/32", "the cloud metadata address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
    ]
]
_V6_BLOCKS = [
    (ipaddress.ip_network(net), why)
    for net, why in [
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::ffff:0:0/96", "an IPv4-mapped address"),
        ("::/8", "a reserved (IPv4-compatible) address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001::/32", "a Teredo tunnel address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique-local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    ]
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
_NUMERIC_V4 = re.compile(r"^[0-9][0-9a-fx.]*$")


class Refused(ActionFailed):
    """The guard said no; ``reason`` is the part after ``refused: `` for wrapping in context."""

    def __init__(self, reason: str):
        super().__init__(f"refused: {reason}")
        self.reason = reason


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be contacted without an explicit allowlist entry, or None if public."""
    if isinstance(ip, ipaddress.IPv4Address):
        for net, why in _V4_BLOCKS:
            if ip in net:
                return why
    else:
        # NAT64 and 6to4 carry an IPv4 address that a gateway will connect to; ipaddress calls
        # 64:ff9b::a9fe:a9fe (169.254.169.254) "global", so look inside (reference §8 probe 7).
        if ip in _NAT64:
            inner = ipaddress.IPv4Address(ip.packed[-4:])
            inner_why = blocked_reason(inner)
            return f"a NAT64 address for {inner}, {inner_why}" if inner_why else None
        if ip.sixtofour is not None:
            inner_why = blocked_reason(ip.sixtofour)
            if inner_why:
                return f"a 6to4 address for {ip.sixtofour}, {inner_why}"
        for net, why in _V6_BLOCKS:
            if ip in net:
                if ip.ipv4_mapped is not None:
                    return f"an IPv4-mapped address for {ip.ipv4_mapped}"
                return why
    return None if ip.is_global else "a non-public address"


def canonical_host(raw: str) -> str:
    """The host as we check, connect to and send it: lower-case ASCII, no trailing dot, IPv4 in
    dotted-quad form (``2130706433``, ``0x7f000001``, ``0177.0.0.1`` and ``127.1`` all become
    ``127.0.0.1`` exactly as ``getaddrinfo`` would read them), IPv6 compressed, no brackets."""
    host = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
    if "%" in host:
        raise Refused(f"{raw} has an IPv6 zone id, which is not allowed")
    try:
        return str(ipaddress.IPv6Address(host)) if ":" in host else _canonical_name(host)
    except ValueError:
        raise Refused(f"{raw!r} is not a valid host name") from None


def _canonical_name(host: str) -> str:
    host = unicodedata.normalize("NFKC", host)  # fullwidth/circled digits fold to ASCII
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(str(exc)) from None
    host = host.lower()
    host = host.removesuffix(".")
    if _NUMERIC_V4.match(host):
        try:
            return str(ipaddress.IPv4Address(socket.inet_aton(host)))
        except OSError:
            pass  # not numeric after all; checked as a name below
    if not host or len(host) > 253 or not _HOST_NAME.match(host):
        raise ValueError(host)
    return host


def _ip_or_none(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Entry:
    host: str  # canonical; for a wildcard, the suffix without "*."
    port: int | None
    wildcard: bool

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        return host.endswith("." + self.host) if self.wildcard else host == self.host


class Allowlist:
    """The parsed ``http_allowed_hosts`` setting."""

    def __init__(self, entries: Iterable[str]):
        self.entries = [_parse_entry(e) for e in entries if e.strip()]

    def permits(self, host: str, port: int) -> bool:
        return not self.entries or any(e.matches(host, port) for e in self.entries)

    def names_exactly(self, host: str, port: int) -> bool:
        return any(not e.wildcard and e.matches(host, port) for e in self.entries)


def _parse_entry(text: str) -> _Entry:
    text = text.strip().lower()
    wildcard = text.startswith("*.")
    if wildcard:
        text = text[2:]
    port: int | None = None
    if _ip_or_none(text.strip("[]")) is None:  # a bare IPv6 literal has colons but no port
        head, sep, tail = text.rpartition(":")
        if sep and tail.isdigit() and (not head.startswith("[") or head.endswith("]")):
            text, port = head, int(tail)
    try:
        return _Entry(canonical_host(text), port, wildcard)
    except Refused as exc:
        raise ActionFailed(f"{ALLOWLIST_SETTING} has an invalid entry: {exc.reason}") from None


@dataclass(frozen=True)
class Target:
    """A checked URL: ``url`` is rebuilt from the checked parts; connect only to ``addresses``
    (every answer of the one lookup, all of them checked, in resolver order)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    display_url: str  # ``url`` without userinfo, for results and messages

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """All A/AAAA answers for ``host`` (tests replace this to script DNS answers)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ActionFailed(f"could not resolve {host}: {exc.strerror}") from None
    # A scoped answer ("fe80::1%eth0") is classified without its scope; it is blocked anyway.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _split(url: str) -> tuple[str, str, str, int, str]:
    """(scheme, userinfo, canonical host, port, path+query) of a URL, or ``Refused``."""
    if any(ch == "\\" or ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        # Parsers disagree about these: urlsplit reads http://127.0.0.1:80\@evil.com/ as evil.com.
        raise Refused("the URL contains a backslash, a space or a control character")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"the URL could not be parsed ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused(f"only http and https URLs are allowed, not {scheme or 'this'}: URLs")
    userinfo = parts.netloc.rpartition("@")[0]
    if "@" in userinfo:
        raise Refused("the URL has more than one '@' before the host")
    if not parts.hostname:
        raise Refused("the URL has no host")
    host = canonical_host(parts.hostname)
    if port == 0:
        raise Refused("port 0 is not a real port")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, userinfo, host, port or DEFAULT_PORTS[scheme], path


async def check_url(url: str, allow: Allowlist, *, resolver: Resolver | None = None) -> Target:
    """Parse, canonicalise, resolve and vet ``url``; raises ``Refused`` with a reason for a chat
    user. The returned ``Target.url`` is what must be requested, through ``PinnedTransport``."""
    scheme, userinfo, host, port, path = _split(url)
    if not allow.permits(host, port):
        raise Refused(f"{host} is not in {ALLOWLIST_SETTING}")
    explicit = allow.names_exactly(host, port)
    hint = f"add it to {ALLOWLIST_SETTING} to allow it"
    if host in BLOCKED_NAMES and not explicit:
        raise Refused(f"{host} is a cloud metadata service; {hint}")
    literal = _ip_or_none(host)
    answers = [literal] if literal is not None else await (resolver or resolve)(host, port)
    if not answers:
        raise ActionFailed(f"could not resolve {host}: no addresses")
    for ip in answers:
        why = blocked_reason(ip)
        if why and not explicit and not allow.names_exactly(str(ip), port):
            if literal is not None:
                raise Refused(f"{host} is {why}; {hint}")
            raise Refused(f"{host} resolves to {ip}, {why}; add {host} to {ALLOWLIST_SETTING} "
                          "to allow it")
    netloc_host = f"[{host}]" if ":" in host else host
    default = port == DEFAULT_PORTS[scheme]
    display = f"{scheme}://{netloc_host}{'' if default else f':{port}'}{path}"
    rebuilt = display.replace("://", f"://{userinfo}@", 1) if userinfo else display
    # httpx must read the rebuilt URL exactly as we did; otherwise Host/SNI could differ.
    seen = httpx.URL(rebuilt)
    if seen.raw_host.decode("ascii") != host or (seen.port or DEFAULT_PORTS[scheme]) != port:
        raise Refused("the URL is ambiguous (parsers disagree about its host)")
    addresses = tuple(dict.fromkeys(str(ip) for ip in answers))
    return Target(url=rebuilt, scheme=scheme, host=host, port=port, addresses=addresses,
                  display_url=display)


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked address of a host instead of resolving its name again. TLS is
    started by httpcore afterwards with ``server_hostname`` = the URL's host, so SNI and
    certificate checks still use the name, not the IP."""

    def __init__(self, pins: Mapping[str, Sequence[str]]):
        self._pins = {host: tuple(addresses) for host, addresses in pins.items()}
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self._pins.get(host)
        if not addresses:  # never fall back to a fresh lookup
            raise httpcore.ConnectError(f"refused: {host} was not checked before connecting")
        for index, address in enumerate(addresses):  # e.g. ::1 first but only 127.0.0.1 listens
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError:
                if index == len(addresses) - 1:
                    raise
        raise AssertionError("unreachable")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refused: unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """An ``httpx`` transport whose connections go only to ``pins[host]`` (checked IPs)."""

    def __init__(self, pins: Mapping[str, Sequence[str]], *, verify: ssl.SSLContext | bool = True):
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(
            verify, trust_env=False
        )
        super().__init__(verify=context, trust_env=False)
        # httpx has no public hook for the network backend, so replace the pool it built. If a
        # future httpx renames the attribute, fail loudly rather than connect unpinned.
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("this httpx version cannot be pinned; update netguard.py")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context, network_backend=_PinnedBackend(pins), max_connections=4,
        )

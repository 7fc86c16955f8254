"""Which hosts a fetched link may reach: public internet addresses only, unless allowed.

Why: a link sent by a chat must not make the bot read its own machine or the network it
runs in (admin pages, cloud metadata services). The host is resolved here, every address
it has is checked, and the caller connects to the checked address itself, so a name that
resolves differently a moment later cannot slip past the check.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from index.errors import SourceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is an ordinary internet address (not local, private or special).

    An IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is judged as the IPv4 address it
    maps; 6to4 and Teredo addresses must also carry a public IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        embedded = address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None and not is_public_address(embedded):
            return False
    special = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    # `is_global` also excludes shared address space (100.64.0.0/10) and documentation ranges.
    return not special and address.is_global


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order (an IP literal is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise SourceError(f"could not find the site {host} (check the link)") from exc
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise SourceError(f"could not find the site {host} (check the link)")
    return found


def _resolve_within(host: str, port: int, timeout: float) -> list[IPAddress]:
    """:func:`resolve`, given up after ``timeout`` seconds.

    Why a thread: the system resolver has no time limit of its own; a name server that
    never answers would hold the caller for as long as the resolver keeps retrying.
    The abandoned lookup finishes in the background.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve")
    try:
        return pool.submit(resolve, host, port).result(timeout=timeout)
    except FutureTimeout as exc:
        raise SourceError(f"the site's name did not resolve within {timeout:g} s") from exc
    finally:
        pool.shutdown(wait=False)


def checked_address(
    host: str, port: int, *, allow_private: bool, timeout: float = 5.0
) -> IPAddress:
    """The address to connect to for ``host``, refusing hosts with any non-public address."""
    addresses = _resolve_within(host, port, timeout)
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise SourceError("that address is on a private network")
    return addresses[0]

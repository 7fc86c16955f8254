"""Which addresses a fetched link may reach."""

from __future__ import annotations

import ipaddress

import pytest

from index.errors import SourceError
from index.sources.addresses import checked_address, is_public_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "127.8.9.10",
        "10.0.0.1",  # private
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",  # link-local (cloud metadata service)
        "100.64.0.1",  # shared address space (carrier NAT)
        "0.0.0.0",  # unspecified
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",  # unique local
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:c0a8:101::",  # 6to4 around 192.168.1.1
    ],
)
def test_local_private_and_special_addresses_are_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_internet_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address))


def test_private_literal_is_refused_unless_allowed():
    with pytest.raises(SourceError, match=r"^that address is on a private network$"):
        checked_address("10.0.0.1", 80, allow_private=False)
    assert checked_address("10.0.0.1", 80, allow_private=True) == ipaddress.ip_address("10.0.0.1")


def test_localhost_is_refused():
    with pytest.raises(SourceError, match=r"^that address is on a private network$"):
        checked_address("localhost", 80, allow_private=False)


def test_resolver_that_never_answers_is_given_up(monkeypatch):
    import socket
    import threading

    release = threading.Event()

    def hanging(*args, **kwargs):
        release.wait(5)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        with pytest.raises(SourceError, match=r"^the site's name did not resolve within 0\.2 s$"):
            checked_address("slow-dns.test", 80, allow_private=False, timeout=0.2)
    finally:
        release.set()

"""Nothing in the local cloud reaches the network beyond loopback.

``install()`` adds an audit hook (PEP 578) that refuses, with ``PermissionError``, every
``socket.connect`` to an address that is not loopback (or this machine's own) and every
name lookup (``socket.getaddrinfo``, ``gethostbyname``) of a host that is not local. A
function that tries to call AWS itself, a Glue script that downloads something, a library
phoning home: each fails loudly, naming the address, instead of quietly leaving the machine.

The local cloud's process installs it when ``LOYALTY_LOCAL_NETWORK_GUARD=1`` (``loyalty local
up`` sets it), and so do its Lambda and Glue workers, which inherit the variable. Standard
library only: the Lambda worker loads this file by path, beside a function's own packages.
The Spark JVM is not Python and is not covered; it runs in local mode on loopback.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

ENV = "LOYALTY_LOCAL_NETWORK_GUARD"
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})

_LOOKUPS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"})

_installed = False


def _own_names() -> frozenset[str]:
    try:
        return frozenset({socket.gethostname().lower()})
    except OSError:
        return frozenset()


def is_local_host(host: object) -> bool:
    """Whether a name or address given to a lookup stays on this machine."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().lower().rstrip(".")
    if name in LOCAL_NAMES or name in _own_names():
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_local_address(address: object) -> bool:
    """Whether a ``connect`` target stays on this machine: a Unix socket path, or an
    (host, port, ...) tuple whose host is loopback."""
    if isinstance(address, (str, bytes)):
        return True  # AF_UNIX
    if isinstance(address, tuple) and address:
        host = address[0]
        if isinstance(host, (str, bytes)):
            return is_local_host(host)
    return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        if not is_local_address(args[1]):
            raise PermissionError(
                f"the local cloud reaches nothing beyond loopback: connect to {args[1]!r} refused"
            )
    elif event in _LOOKUPS and not is_local_host(args[0]):
        raise PermissionError(
            f"the local cloud reaches nothing beyond loopback: lookup of {args[0]!r} refused"
        )


def install() -> None:
    """Refuse non-local connections and lookups in this process from now on (an audit hook
    cannot be removed: use it in processes that exist for the local cloud)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


def install_if_enabled(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get(ENV) == "1":
        install()
        return True
    return False

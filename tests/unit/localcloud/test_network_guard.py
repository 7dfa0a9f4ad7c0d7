"""The local cloud's network guard: loopback and this machine only."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from loyalty_maximizer.localcloud.network_guard import is_local_address, is_local_host


@pytest.mark.parametrize(
    ("host", "local"),
    [
        (None, True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("0.0.0.0", True),
        (b"localhost", True),
        ("example.com", False),
        ("s3.amazonaws.com", False),
        ("10.0.0.5", False),
        ("169.254.169.254", False),  # the instance metadata service
        ("2001:db8::1", False),
        (42, False),
    ],
)
def test_is_local_host(host: object, local: bool) -> None:
    assert is_local_host(host) is local


def test_is_local_address() -> None:
    assert is_local_address(("127.0.0.1", 4566))
    assert is_local_address(("::1", 8182, 0, 0))
    assert is_local_address("/tmp/socket")
    assert not is_local_address(("192.0.2.1", 443))
    assert not is_local_address(())


GUARDED = textwrap.dedent(
    """
    import socket, sys
    from loyalty_maximizer.localcloud.network_guard import install
    install()
    server = socket.create_server(("127.0.0.1", 0))
    socket.create_connection(server.getsockname(), timeout=2).close()  # loopback works
    for attempt in (
        lambda: socket.create_connection(("192.0.2.1", 80), timeout=2),
        lambda: socket.getaddrinfo("example.com", 443),
    ):
        try:
            attempt()
        except PermissionError as refused:
            print("refused:", refused)
        else:
            sys.exit("not refused")
    """
)


def test_a_guarded_process_reaches_loopback_only() -> None:
    done = subprocess.run(
        [sys.executable, "-c", GUARDED], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    refusals = done.stdout.splitlines()
    assert len(refusals) == 2
    assert "192.0.2.1" in refusals[0]
    assert "example.com" in refusals[1]

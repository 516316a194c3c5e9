"""serve --workers: keep-alive clients are spread over the server processes.

On one shared listening socket the process that woke first accepted a whole
burst of connections and the others idled (web/workers.py). Which process
holds the server end of each connection is read from /proc (Linux).
"""

from __future__ import annotations

import http.client
import os
from pathlib import Path

from webserver import serving

CLIENTS = 16  # all on one of two processes by chance: 1 in 2**15
ESTABLISHED = "01"


def _server_ends(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == ESTABLISHED:
            inodes.add(fields[9])
    return inodes


def _holders(inodes: set[str]) -> set[int]:
    """The processes holding any of these sockets."""
    holders = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:  # gone, or not ours to read
            continue
        if any(link.removeprefix("socket:[").removesuffix("]") in inodes for link in links):
            holders.add(int(proc.name))
    return holders


def test_connections_spread_over_workers(seeded_db: str) -> None:
    with serving(seeded_db, workers=2) as base:
        host, port = base.removeprefix("http://").split(":")
        connections = [http.client.HTTPConnection(host, int(port)) for _ in range(CLIENTS)]
        try:
            for connection in connections:  # a burst: all waiting to be accepted at once
                connection.connect()
            for connection in connections:
                connection.request("GET", "/api/lists")
                assert connection.getresponse().read()
            assert len(_holders(_server_ends(int(port)))) == 2
        finally:
            for connection in connections:
                connection.close()

"""Several server processes on one port, for the 2+ cores of a web host:

    listkeeper --db archive.sqlite3 serve --port 8080 --workers 4

uvicorn's own ``--workers`` shares a listening socket created without its
protocol number, so asyncio never sets TCP_NODELAY on the connections and
every keep-alive response waits ~40 ms for a delayed ACK. Here the parent
binds proper TCP sockets and forks; each child opens its own database
engine (connections must not cross a fork) and serves on a socket of its own.

One socket per child, all on the port with SO_REUSEPORT, so the kernel
spreads new connections across the children: on one shared socket the event
loop that wakes first accepts every pending connection, and under a burst of
keep-alive clients one child served most of them while the other idled.
(So a second server started on the same port by the same user joins in
rather than failing: stop the old one first.)
"""

from __future__ import annotations

import os
import signal
import socket

import uvicorn

from listkeeper.store.db import open_engine
from listkeeper.web.app import create_app

LISTEN_BACKLOG = 2048
# After SIGTERM a worker waits this long for open connections, then closes
# them: under load one could otherwise wait forever and never exit.
GRACEFUL_SHUTDOWN_SECONDS = 5


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket on the port that other sockets of this user may share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


def _child(sock: socket.socket, db: str) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    app = create_app(open_engine(db))
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


def serve(db: str, host: str, port: int, workers: int) -> None:
    """Fork ``workers`` servers; SIGTERM or SIGINT to the parent stops them all."""
    first = listening_socket(host, port)
    port = first.getsockname()[1]  # with port 0, the others join the one chosen
    sockets = [first, *(listening_socket(host, port) for _ in range(workers - 1))]
    children = []
    for sock in sockets:
        pid = os.fork()
        if pid == 0:
            try:
                _child(sock, db)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(_signum: int, _frame: object) -> None:
        for pid in children:
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        os.waitpid(pid, 0)

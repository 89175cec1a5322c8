"""The listening sockets of `kb serve`: one per worker on the same port, and the port held.

uvicorn's own `--workers` binds one socket and every worker accepts on it. A worker that wakes
up first takes every connection waiting (asyncio accepts up to the backlog at once), so a few
keep-alive clients, a browser's or a load generator's, all land on one worker while the other
sits idle: measured here, one core busy and half the throughput. So each worker opens its own
socket on the same port with SO_REUSEPORT (`listening_socket`, called in the worker by
`supportkb.service.internals.SocketPerWorker`), and the kernel spreads new connections over
the workers.

The trade-off (nginx's too): connections waiting in the queue of a worker that exits (a crash,
a SIGHUP restart) are reset, where a shared queue would have let the other worker take them.

Plain sockets only: nothing of uvicorn here.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from supportkb.errors import FatalError


def _socket(host: str, shared: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A socket listening on (host, port), sharing the port with the other workers."""
    sock = _socket(host, shared=True)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def shares_port(workers: int) -> bool:
    """Whether the workers listen on sockets of their own (else uvicorn binds one)."""
    return workers > 1 and hasattr(socket, "SO_REUSEPORT")


@contextmanager
def claim_port(host: str, port: int, workers: int) -> Iterator[None]:
    """Hold the port for this server's workers: a clear error now if another program (or
    another `kb serve`) has it, and nobody else can take it until the server stops. The
    workers share it with each other, never with a stranger: the port is first bound
    without sharing (which fails if anyone has it), then held by a bound socket that shares
    it but does not listen (so the kernel gives it no connections)."""
    with _socket(host, shared=False) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise FatalError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    if not shares_port(workers):  # uvicorn binds the port itself, at once
        yield
        return
    holder = _socket(host, shared=True)
    try:
        holder.bind((host, port))
    except OSError as exc:
        holder.close()
        raise FatalError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    try:
        yield
    finally:
        holder.close()

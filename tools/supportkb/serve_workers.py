"""`kb serve`'s worker processes: uvicorn's supervisor, with a listening socket per worker.

uvicorn's own `--workers` binds one socket and every worker accepts on it. A worker that wakes
up first takes every connection waiting (asyncio accepts up to the backlog at once), so a few
keep-alive clients, a browser's or a load generator's, all land on one worker while the other
sits idle: measured here, one core busy and half the throughput. Here each worker opens its
own socket on the same port with SO_REUSEPORT, and the kernel spreads new connections over
the workers. The rest is uvicorn's `Multiprocess` as it is: restarts of dead workers, SIGHUP,
clean shutdown on SIGTERM.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

from supportkb.errors import FatalError


class _Worker(multiprocess.Process):
    """A uvicorn worker process that listens on its own socket."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        super().target([listening_socket(self.config.host, self.config.port, self.config.backlog)])


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A socket listening on (host, port), sharing the port with the other workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def check_port_free(host: str, port: int) -> None:
    """A clear error now if another program (or another `kb serve`) has the port: the workers
    share it with each other, never with a stranger."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise FatalError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def run(workers: int, **settings: Any) -> None:
    """Serve with uvicorn (`settings` are `uvicorn.Config`'s), on `workers` processes."""
    config = uvicorn.Config(workers=workers, **settings)
    check_port_free(config.host, config.port)
    if workers == 1:
        uvicorn.Server(config).run()
    elif not hasattr(socket, "SO_REUSEPORT"):  # Windows: uvicorn's shared socket
        uvicorn.run(workers=workers, **settings)
    else:
        # the supervisor creates its workers by this name; this is the parent process only
        multiprocess.Process = _Worker  # type: ignore[misc]
        multiprocess.Multiprocess(config, sockets=[]).run()

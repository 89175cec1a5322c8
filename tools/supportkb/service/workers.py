"""`kb serve`'s worker processes: uvicorn's supervisor, with a listening socket per worker.

uvicorn's own `--workers` binds one socket and every worker accepts on it. A worker that wakes
up first takes every connection waiting (asyncio accepts up to the backlog at once), so a few
keep-alive clients, a browser's or a load generator's, all land on one worker while the other
sits idle: measured here, one core busy and half the throughput. Here each worker opens its
own socket on the same port with SO_REUSEPORT, and the kernel spreads new connections over
the workers. The rest is uvicorn's `Multiprocess` as it is: restarts of dead workers, SIGHUP,
clean shutdown on SIGTERM.

The trade-off (nginx's too): connections waiting in the queue of a worker that exits (a crash,
a SIGHUP restart) are reset, where a shared queue would have let the other worker take them.

Hostile clients. uvicorn's h11 protocol (0.54, the installed version; see
`tests/adversarial/test_hostile_clients.py`) has no timer while a request is being received:
its keep-alive timer starts only after an answer and stops at the first byte of the next
request, so a client that sends half a request keeps its socket forever. 2,500 of them fill a
1,024-file limit, and asyncio then logs a traceback for every failed accept (up to the
backlog, 2,048, per wake-up): 100 MB of log in 15 s, and no answer to anyone. Its
`limit_concurrency` does not help: it answers 503 to complete requests, never closes the
half-sent ones that hold the sockets. So `GuardedH11Protocol` (uvicorn's protocol, used only
through its documented `connection_made`/`data_received`/`connection_lost` and its
`handle_events`/`on_response_complete`/`cycle` members) adds:

- a request timeout: a connection must have sent a whole request within `request_timeout`
  seconds of connecting or of its previous answer, else it is closed (slowloris, idle
  half-sent requests; uvicorn's own keep-alive timeout still closes idle kept-open ones first);
- a cap on the connections a worker keeps open, below its open-file limit: beyond it the
  connection that has waited longest without sending a whole request is closed to make room
  (a flood of idle sockets then costs its own sockets, not the real clients' answers); when
  every connection is busy with a request, the new one is closed;
- TCP_NODELAY on each connection (see `GuardedH11Protocol.connection_made`).

Logs: `log_config()` is uvicorn's with `OncePerInterval` on its handler and asyncio's logger
routed through it, so a warning or error repeated (a failed accept, an invalid request, an
application error) is written once a minute with a count, never once per attempt.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import os
import resource
import socket
import sys
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState
from uvicorn.supervisors import multiprocess

from supportkb.errors import FatalError
from supportkb.system.processes import end_with_parent


class _Worker(multiprocess.Process):
    """A uvicorn worker process that listens on its own socket, and ends with the server:
    a supervisor killed with SIGKILL cannot stop its workers, which would keep the port."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.supervisor = os.getpid()  # set before the worker is created: it is sent along
        super().__init__(config, sockets)

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        end_with_parent(self.supervisor)
        config = self.config
        try:
            own = listening_socket(config.host, config.port, config.backlog)
        except OSError as exc:  # a stop, not a restart loop: the supervisor gives up on this
            logging.getLogger("uvicorn.error").error(
                "cannot listen on %s:%s: %s", config.host, config.port, exc.strerror
            )
            sys.exit(STARTUP_FAILURE)
        super().target([own])


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


# asyncio accepts up to the backlog at each wake-up, and two or three wake-ups can pass before
# the connections they made are counted (and the longest idle closed): the spare files cover
# them, the index's files and the logs
BACKLOG = 128
SPARE_FILES = 4 * BACKLOG + 128


@dataclass(frozen=True)
class ConnectionLimits:
    """What one worker allows its connections."""

    request_timeout: float = 10.0  # seconds to send a whole request (headers and body)
    max_connections: int = 1000  # open at once; lowered to fit the open-file limit

    def connections_allowed(self) -> int:
        """`max_connections`, or fewer when the process may not open that many files."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        return max(16, min(self.max_connections, soft - SPARE_FILES))


_waiting_by_server: weakref.WeakKeyDictionary[ServerState, OrderedDict[GuardedH11Protocol, None]]
_waiting_by_server = weakref.WeakKeyDictionary()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request timeout, a connection cap and TCP_NODELAY (see
    the module's docstring). Made by `functools.partial(GuardedH11Protocol, limits=...)`."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits = ConnectionLimits(),
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self._allowed = limits.connections_allowed()
        self._deadline: asyncio.TimerHandle | None = None
        # connections of this server that wait for a request, the longest waiting first
        self._waiting = _waiting_by_server.setdefault(server_state, OrderedDict())

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # With several workers uvicorn leaves TCP_NODELAY off (encode/uvicorn#3149), and every
        # answer after the first on a kept-open connection waits about 40 ms for Nagle and
        # delayed ACKs (measured with bench/serve_load.py: /api/health 48 ms against 6 ms).
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._await_request()
        if len(self.connections) > self._allowed:
            self._make_room()

    def handle_events(self) -> None:
        super().handle_events()
        cycle = self.cycle
        if (
            self in self._waiting
            and cycle is not None
            and not cycle.response_complete
            and not cycle.more_body
        ):  # a whole request arrived: it is the application's now
            self._stop_waiting()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_request()  # before uvicorn looks at a pipelined next request
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _await_request(self) -> None:
        self._stop_waiting()
        self._waiting[self] = None
        self._deadline = self.loop.call_later(self.limits.request_timeout, self._timed_out)

    def _stop_waiting(self) -> None:
        self._waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        self._close()

    def _close(self) -> None:
        self._stop_waiting()
        if not self.transport.is_closing():
            self.transport.close()

    def _make_room(self) -> None:
        """Close the connection that has waited longest for a request (or this one, when
        every other is busy with one)."""
        for other in self._waiting:
            if other is not self:
                other._close()
                return
        self._close()


def raise_file_limit(wanted: int) -> None:
    """Raise this process's (and so its workers') soft open-file limit towards `wanted`, as
    far as the hard limit allows: a default of 1,024 open files is common while the hard
    limit is far higher."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class OncePerInterval(logging.Filter):
    """Lets a warning or an error through once per `interval` seconds for each message
    (its format string), with the number of the same left out since: a flood of failed
    accepts, bad requests or application errors cannot fill the disk. Information (startup,
    the access log) always goes through."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__()
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}
        self._left_out: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._left_out[key] = self._left_out.get(key, 0) + 1
            return False
        if len(self._last) > 1000:  # messages with their values in the format string
            self._last.clear()
        self._last[key] = now
        left_out = self._left_out.pop(key, 0)
        if left_out:
            record.msg = f"{record.msg} (and {left_out} more like it in the last minutes)"
        return True


def log_config(interval: float = 60.0) -> dict[str, Any]:
    """uvicorn's logging configuration with `OncePerInterval` on its handler, and asyncio's
    and supportkb's error loggers written through it."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"once": {"()": f"{__name__}.OncePerInterval", "interval": interval}}
    config["handlers"]["default"]["filters"] = ["once"]
    for name in ("asyncio", "supportkb.error"):
        config["loggers"][name] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def run(workers: int, limits: ConnectionLimits = ConnectionLimits(), **settings: Any) -> None:
    """Serve with uvicorn (`settings` are `uvicorn.Config`'s) on `workers` processes; call it
    inside `claim_port`. Each worker's connections are held to `limits`."""
    raise_file_limit(limits.max_connections + SPARE_FILES)
    settings.setdefault("http", functools.partial(GuardedH11Protocol, limits=limits))
    settings.setdefault("log_config", log_config())
    settings.setdefault("backlog", BACKLOG)
    if not shares_port(workers):  # one process, or Windows
        uvicorn.run(workers=workers, **settings)
        return
    config = uvicorn.Config(workers=workers, **settings)
    # the supervisor creates its workers by this name; this is the parent process only
    multiprocess.Process = _Worker  # type: ignore[misc]
    supervisor = multiprocess.Multiprocess(config, sockets=[])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise FatalError("the workers could not start: see the messages above")

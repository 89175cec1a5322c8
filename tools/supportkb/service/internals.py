"""Every use of uvicorn's and FastAPI's internals in `kb serve`, in one place, and why.

Each is kept for correctness or for what a user sees, none for milliseconds alone:

- `SocketPerWorker`, uvicorn's worker process class (`uvicorn.supervisors.multiprocess.Process`)
  with its `target` replaced, put in place of the name `Process` that uvicorn's supervisor
  (`Multiprocess`) creates its workers by, only while `run_supervised` runs. Needed for:
  - workers that end with the server (`supportkb.system.processes.end_with_parent`): a
    supervisor killed with SIGKILL cannot stop its workers, which would keep the port and
    answer with a stale index (correctness);
  - a socket per worker (`supportkb.service.sockets`): with uvicorn's one shared socket, one
    worker takes every kept-open connection (half the throughput, one core idle; tested by
    `tests/service/test_serve.py::test_connections_are_spread_over_both_workers`);
  - a worker that cannot listen exits with uvicorn's `STARTUP_FAILURE`, so the supervisor
    stops instead of restarting it in a loop (`Multiprocess.processes`, `Process.exitcode`).
- `GuardedH11Protocol`, uvicorn's h11 protocol (`uvicorn.protocols.http.h11_impl.H11Protocol`)
  given to `uvicorn.Config(http=...)`, with a request timeout and a connection cap (issue 13:
  uvicorn 0.54's h11 protocol has no timer while a request is being received, so half-sent
  requests keep their sockets forever; 2,500 of them at a 1,024-file limit stopped every
  answer, and `limit_concurrency` does not close them). It overrides the protocol's
  `connection_made`, `handle_events`, `on_response_complete`, `connection_lost`, and reads
  its `cycle` (`RequestResponseCycle.response_complete`, `.more_body`), `connections`,
  `transport` and `loop`. It also sets TCP_NODELAY (public asyncio and socket calls, in the
  `connection_made` it overrides anyway): with several workers uvicorn leaves it off
  (encode/uvicorn#3149) and every answer after the first on a kept-open connection, each
  keystroke of the site's search box, waits about 40 ms for Nagle and delayed ACKs
  (/api/health 48 ms against 6 ms with bench/serve_load.py): a delay a reader sees.
- `uvicorn.config.LOGGING_CONFIG`, uvicorn's logging configuration, copied and given a filter
  (`supportkb.service.workers.log_config`): a flood of failed accepts or bad requests must not
  write a line (and a traceback) each.
- FastAPI's message for a body it cannot decode (`UNREADABLE_BODY`, from `fastapi.routing`):
  such a body is answered 422 like any malformed one (`supportkb.service.app`).

`PRIVATE_NAMES` lists them; `tests/service/test_internals.py` asserts each exists on the
installed uvicorn and FastAPI, so an upgrade that renames one fails there, not in production.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import os
import socket
import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState
from uvicorn.supervisors import multiprocess

from supportkb.service.live_reload import LIVE_PATH
from supportkb.service.sockets import listening_socket
from supportkb.system.processes import end_with_parent

# (module, name): a name, `Class.member` for a member; `self.member` when only the instances
# have it (set in the class's code)
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("uvicorn.supervisors.multiprocess", "Process"),
    ("uvicorn.supervisors.multiprocess", "Process.target"),
    ("uvicorn.supervisors.multiprocess", "Process.exitcode"),
    ("uvicorn.supervisors.multiprocess", "Process.config"),
    ("uvicorn.supervisors.multiprocess", "Multiprocess"),
    ("uvicorn.supervisors.multiprocess", "Multiprocess.processes"),
    ("uvicorn.config", "STARTUP_FAILURE"),
    ("uvicorn.config", "LOGGING_CONFIG"),
    ("uvicorn.server", "ServerState"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.connection_made"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.connection_lost"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.handle_events"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.on_response_complete"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.cycle"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.connections"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.transport"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.loop"),
    ("uvicorn.protocols.http.h11_impl", "H11Protocol.shutdown"),
    ("uvicorn.protocols.http.h11_impl", "RequestResponseCycle.scope"),
    ("uvicorn.protocols.http.h11_impl", "RequestResponseCycle.response_complete"),
    ("uvicorn.protocols.http.h11_impl", "RequestResponseCycle.more_body"),
    ("fastapi.routing", "UNREADABLE_BODY"),  # a message, found in the module's code
    # `service.site_files.SiteFiles`: a file answered from the file it opened (a site swap)
    ("starlette.staticfiles", "StaticFiles.file_response"),
    ("starlette.staticfiles", "StaticFiles.is_not_modified"),
    ("starlette.staticfiles", "NotModifiedResponse"),
    ("starlette.responses", "FileResponse.__call__"),
)

UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's 400 detail (bad UTF-8)


# -- worker processes ------------------------------------------------------------------------


class SocketPerWorker(multiprocess.Process):
    """A uvicorn worker process that listens on its own socket, and ends with the server."""

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


@contextmanager
def _workers_made_as(process_class: type[multiprocess.Process]) -> Iterator[None]:
    """uvicorn's supervisor makes its workers by the module's name `Process`: this one, for a
    while (in the supervisor's process only)."""
    original = multiprocess.Process
    multiprocess.Process = process_class  # type: ignore[misc]
    try:
        yield
    finally:
        multiprocess.Process = original  # type: ignore[misc]


def run_supervised(config: uvicorn.Config) -> bool:
    """Run uvicorn's supervisor with `config.workers` workers, each on its own socket, until
    it stops (SIGTERM, Ctrl-C); whether every worker could start."""
    with _workers_made_as(SocketPerWorker):
        supervisor = multiprocess.Multiprocess(config, sockets=[])
        supervisor.run()
    return not any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)


def uvicorn_logging_config() -> dict[str, Any]:
    """A copy of uvicorn's logging configuration (to add to)."""
    return copy.deepcopy(LOGGING_CONFIG)


# -- the h11 protocol ------------------------------------------------------------------------

_waiting_by_server: weakref.WeakKeyDictionary[ServerState, OrderedDict[GuardedH11Protocol, None]]
_waiting_by_server = weakref.WeakKeyDictionary()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request timeout, a connection cap and TCP_NODELAY:

    - a connection must have sent a whole request within `request_timeout` seconds of
      connecting or of its previous answer, else it is closed (slowloris, idle half-sent
      requests; uvicorn's own keep-alive timeout still closes idle kept-open ones first);
    - a worker keeps at most `max_connections` open: beyond it the connection that has waited
      longest without sending a whole request is closed to make room (a flood of idle sockets
      then costs its own sockets, not the real clients' answers); when every connection is
      busy with a request, the new one is closed.

    Made by `protocol_factory`."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        request_timeout: float = 10.0,
        max_connections: int = 1000,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.request_timeout = request_timeout
        self.max_connections = max_connections
        self._deadline: asyncio.TimerHandle | None = None
        # connections of this server that wait for a request, the longest waiting first
        self._waiting = _waiting_by_server.setdefault(server_state, OrderedDict())

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._await_request()
        if len(self.connections) > self.max_connections:
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

    def shutdown(self) -> None:
        """A graceful shutdown lets the answers in progress finish; an open page's event
        stream (`kb serve --watch`, `live_reload.LIVE_PATH`) never does: closed at once."""
        cycle = self.cycle
        streaming = cycle is not None and not cycle.response_complete
        if streaming and cycle is not None and cycle.scope.get("path") == LIVE_PATH:
            self._close()
            return
        super().shutdown()

    def _await_request(self) -> None:
        self._stop_waiting()
        self._waiting[self] = None
        self._deadline = self.loop.call_later(self.request_timeout, self._timed_out)

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


def protocol_factory(request_timeout: float, max_connections: int) -> Callable[..., H11Protocol]:
    """What `uvicorn.Config(http=...)` is given: it makes a `GuardedH11Protocol` per
    connection with these limits (a partial, which can be pickled to spawned workers)."""
    return functools.partial(
        GuardedH11Protocol, request_timeout=request_timeout, max_connections=max_connections
    )

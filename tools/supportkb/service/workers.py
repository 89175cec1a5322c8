"""`kb serve`'s worker processes: uvicorn's supervisor, connection limits and quiet logs.

`run` starts uvicorn with one worker process per core (`--workers`). With more than one, each
worker listens on a socket of its own on the same port (`supportkb.service.sockets`, after
`claim_port` has made sure the port is free) and ends with the server; the rest is uvicorn's
supervisor as it is: restarts of dead workers, SIGHUP, clean shutdown on SIGTERM. What that
takes of uvicorn's internals is in `supportkb.service.internals`, with why.

Hostile clients (issue 13). Each worker holds its connections to `ConnectionLimits`: a whole
request within `request_timeout` seconds of connecting or of the previous answer, else the
connection is closed; at most `max_connections` open, lowered to fit the open-file limit,
beyond which the longest idle connection is closed (`internals.GuardedH11Protocol`). uvicorn's
own keep-alive timeout (5 s) closes idle kept-open connections; `timeout_graceful_shutdown`
(5 s) bounds a stop.

Logs: `log_config()` is uvicorn's with `OncePerInterval` on its handler and asyncio's logger
routed through it, so a warning or error repeated (a failed accept, an invalid request, an
application error) is written once a minute with a count, never once per attempt.
"""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass
from typing import Any

import uvicorn

from supportkb.errors import FatalError
from supportkb.service.internals import protocol_factory, run_supervised, uvicorn_logging_config
from supportkb.service.sockets import shares_port

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
    config = uvicorn_logging_config()
    config["filters"] = {"once": {"()": f"{__name__}.OncePerInterval", "interval": interval}}
    config["handlers"]["default"]["filters"] = ["once"]
    for name in ("asyncio", "supportkb.error"):
        config["loggers"][name] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def run(workers: int, limits: ConnectionLimits = ConnectionLimits(), **settings: Any) -> None:
    """Serve with uvicorn (`settings` are `uvicorn.Config`'s) on `workers` processes; call it
    inside `claim_port`. Each worker's connections are held to `limits`."""
    raise_file_limit(limits.max_connections + SPARE_FILES)
    allowed = limits.connections_allowed()
    settings.setdefault("http", protocol_factory(limits.request_timeout, allowed))
    settings.setdefault("log_config", log_config())
    settings.setdefault("backlog", BACKLOG)
    if not shares_port(workers):  # one process, or Windows
        uvicorn.run(workers=workers, **settings)
        return
    if not run_supervised(uvicorn.Config(workers=workers, **settings)):
        raise FatalError("the workers could not start: see the messages above")

"""Benchmark: `kb serve` under hostile clients, measured from a normal client's side.

Generates a knowledge base of N documents (default 1,000; `harness.realistic_corpus`), builds its
index, starts `kb serve --workers 2` on a free port of 127.0.0.1 with an open-file limit of
1,024 (a common default: `ulimit -n 1024`) and, in one run:

  baseline   --seconds of normal queries alone (--clients at a time, a new connection each)
  flood      the same normal queries while --idle connections (2,500) hold half-sent
             requests open (the request line and one header, never the end) and reopen when
             the server closes them, and --flooders connections send wildcard, prefix and long
             phrase queries (`*a*`, `a*`, 1,000 characters) as fast as they are answered

and prints, for each phase, the normal queries' p50 and p99, their errors (any answer but 200,
and socket errors), the flood's answers by status, and how much the server's log grew.
Target: normal p99 <= 300 ms during the flood, no error for normal clients. Exits 0 when a
target is missed: this is a measurement, not a test. Standard library only.

    python bench/serve_flood.py [--docs 1000] [--idle 2500] [--flooders 8] [--clients 2]
                                [--seconds 15] [--nofile 1024]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import queue
import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
from harness import QUERIES, percentile, search_path

NORMAL = [q for kind, q in QUERIES if kind not in ("prefix", "phrase")]
HOSTILE = [
    "*a*",
    "a*",
    "e* o* 0*",
    "?*",
    ("ab* cd? " * 125)[:1000],
    '"' + " ".join(["錯誤"] * 300) + '"',
    " OR ".join(f"{w}*" for w in "abcdeost印錯" * 15),
    ("印表機離線錯誤代碼" * 112)[:1000],
]


@dataclass
class Normal:
    latencies: list[float] = field(default_factory=list)  # milliseconds
    errors: Counter[str] = field(default_factory=Counter)

    def line(self, label: str) -> str:
        if not self.latencies:
            return f"{label:<9} no answer; errors {dict(self.errors)}"
        p50, p99 = percentile(self.latencies, 0.5), percentile(self.latencies, 0.99)
        errors = sum(self.errors.values())
        shown = f"{errors} {dict(self.errors)}" if errors else "0"
        return (
            f"{label:<9} {len(self.latencies):>6} queries  p50 {p50:7.1f} ms  "
            f"p99 {p99:7.1f} ms  errors {shown}"
        )


async def get(port: int, path: str, timeout: float = 10) -> int:
    """One request on a new connection; its status code."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        if not status_line:
            raise ConnectionResetError("closed before answering")
        await asyncio.wait_for(reader.read(), timeout)  # the whole answer, as a client would
        return int(status_line.split()[1])
    finally:
        writer.close()


async def normal_clients(port: int, clients: int, seconds: float, into: Normal) -> None:
    deadline = time.monotonic() + seconds

    async def client(number: int) -> None:
        turn = number
        while time.monotonic() < deadline:
            turn += 1
            started = time.perf_counter()
            try:
                status = await get(port, search_path(NORMAL[turn % len(NORMAL)]))
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                into.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            into.latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                into.errors[str(status)] += 1

    await asyncio.gather(*(client(n * 5) for n in range(clients)))


async def idle_connection(port: int, stop: asyncio.Event, counts: Counter[str]) -> None:
    """A half-sent request held open; reopened whenever the server closes it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            counts["idle refused"] += 1
            await asyncio.sleep(0.5)
            continue
        counts["idle opened"] += 1
        try:
            writer.write(b"GET /api/search?q=vpn HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            closed = asyncio.ensure_future(reader.read())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if closed.done():
                counts["idle closed by server"] += 1
            closed.cancel()
            stopping.cancel()
        except OSError:
            counts["idle closed by server"] += 1
        finally:
            writer.close()
        await asyncio.sleep(0.2)


async def flooder(port: int, number: int, stop: asyncio.Event, counts: Counter[str]) -> None:
    turn = number
    while not stop.is_set():
        turn += 1
        try:
            status = await get(port, search_path(HOSTILE[turn % len(HOSTILE)]))
            counts[f"flood {status}"] += 1
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            counts[f"flood {type(exc).__name__}"] += 1
            await asyncio.sleep(0.05)


async def flood(options: argparse.Namespace, port: int, seconds: float) -> Counter[str]:
    stop, counts = asyncio.Event(), Counter[str]()
    attackers = []
    for _ in range(options.idle):
        attackers.append(asyncio.ensure_future(idle_connection(port, stop, counts)))
        await asyncio.sleep(0)
    attackers += [
        asyncio.ensure_future(flooder(port, n, stop, counts)) for n in range(options.flooders)
    ]
    await asyncio.sleep(seconds)
    stop.set()
    return counts  # the attackers still running are cancelled by asyncio.run


def flood_process(options: argparse.Namespace, port: int, seconds: float, out: Any) -> None:
    """The attackers, in a process of their own: their event loop must not delay the normal
    clients' (which would count the benchmark's own queueing as the server's)."""
    out.put(dict(asyncio.run(flood(options, port, seconds))))


def flood_phase(
    options: argparse.Namespace, port: int, log_path: Path
) -> tuple[Normal, Counter[str], int, float]:
    """The normal clients during the flood; (their figures, the flood's counts, bytes the
    server's log grew and seconds it took, from the flood's start to the normal clients' end)."""
    normal, results = Normal(), multiprocessing.Queue()
    attackers = multiprocessing.Process(
        target=flood_process, args=(options, port, options.seconds + 3, results)
    )
    logged, started = log_path.stat().st_size, time.monotonic()
    attackers.start()
    time.sleep(2)  # let the flood take hold before measuring
    asyncio.run(normal_clients(port, options.clients, options.seconds, normal))
    grown, took = log_path.stat().st_size - logged, time.monotonic() - started
    try:
        counts = Counter[str](results.get(timeout=options.seconds + 120))
    except queue.Empty:  # a machine too busy to wind the flood down: its counts are lost
        counts = Counter({"flood counts lost": 1})
    attackers.join(timeout=30)
    if attackers.is_alive():
        attackers.kill()  # started by this script
    return normal, counts, grown, took


def file_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # in the server's process, before it runs: `ulimit -n`
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def run(options: argparse.Namespace, work: Path) -> None:
    env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(work / "cache")}
    served = harness.prepare_served_kb(work, options.docs, env)
    port = harness.free_port()
    log_path = work / "server.log"
    server = harness.start_server(served, port, env, log_path, file_limit(options.nofile))
    try:
        harness.wait_healthy(port, server)
        print(f"serving on port {port} (pid {server.pid}), open files {options.nofile}", flush=True)
        baseline = Normal()
        asyncio.run(normal_clients(port, options.clients, 2, Normal()))  # warm-up
        asyncio.run(normal_clients(port, options.clients, options.seconds, baseline))
        during, counts, grown, took = flood_phase(options, port, log_path)
        alive = server.poll() is None
        healthy = harness.health(port, 5) == 200
    finally:
        harness.stop_server(server, timeout=15)
    print()
    print(baseline.line("baseline"))
    print(during.line("flood"))
    print(f"flood     {dict(sorted(counts.items()))}")
    print(
        f"log       grew {grown:,} bytes in {took:.0f} s of flood; server alive: {alive}, "
        f"healthy after: {healthy}"
    )
    p99 = percentile(during.latencies, 0.99) if during.latencies else float("inf")
    errors = sum(during.errors.values())
    for label, normal in (("baseline", baseline), ("flood", during)):
        if normal.latencies:
            harness.figure(f"{label} p50 ms", percentile(normal.latencies, 0.5), "ms")
            harness.figure(f"{label} p99 ms", percentile(normal.latencies, 0.99), "ms")
        harness.figure(f"{label} queries", len(normal.latencies), better="higher")
        harness.figure(f"{label} errors", sum(normal.errors.values()), "n")
    met = p99 <= 300 and errors == 0
    verdict = "met" if met else "MISSED"
    print(f"target    normal p99 <= 300 ms and no error during the flood: {verdict}")
    if options.keep_log:
        shutil.copy(log_path, options.keep_log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000)
    parser.add_argument("--idle", type=int, default=2_500, help="half-sent connections")
    parser.add_argument("--flooders", type=int, default=8, help="wildcard query connections")
    parser.add_argument("--clients", type=int, default=2, help="normal clients at a time")
    parser.add_argument("--seconds", type=float, default=15, help="each phase")
    parser.add_argument("--nofile", type=int, default=1_024, help="the server's open-file limit")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here")
    options = parser.parse_args()
    # the flood's own sockets: this process needs more than the server may have
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, options.idle + options.flooders + options.clients + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    with harness.work_folder("kb-serve-flood-") as work:
        run(options, work)


if __name__ == "__main__":
    main()

"""Benchmark: `kb serve` under load on loopback, three phases side by side.

Generates a knowledge base of N documents (default 1,000), builds its index, starts
`kb serve --workers 2` on a free port of 127.0.0.1 and loads `/api/search` with a mixed query
set (Traditional, Simplified, English, mixed, error codes, field filters, prefixes, paging),
with `wrk` when it is installed (`apt-get install wrk`), otherwise with an asyncio generator
holding a fixed number of connections (httpx2, the HTTP client of the test extras):

  sweep        5 s at each --connections (4 8 16 32); the fewest that reach the most
               throughput (within 5 %) are used: more only add queueing to every answer
  sustained    30 s at that concurrency     target >= 200 queries/s, p99 <= 150 ms, no errors
  soak         --soak-seconds (300) of the same load, the server's resident memory (its
               processes summed) sampled every 10 s: flat when the end is within 10% of the
               value after the first minute
  burst        20 s of the normal load while a second generator sends pathological queries
               (`*`, `a*`, `?*`, 1,000 characters, deep parentheses, many ORs):
               p99 of the normal queries <= 300 ms, no 5xx, /api/health still 200

then stops the server with SIGTERM (target: exit 0 within 10 s). Errors are non-200 answers
and socket errors (connect, read, write, timeout). Exits 0 when a target is missed: this is a
measurement, not a test. Loopback only; every phase is bounded in time.

    python bench/serve_load.py [--docs 1000] [--connections 4 8 16 32] [--seconds 30]
                               [--soak-seconds 300] [--burst-seconds 20] [--python]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

import harness
from harness import QUERIES, percentile, search_path

EXTRA = [  # API filters and paging on top of the query syntax
    *[("印表機", {"category": "printing"}), ("VPN 連線", {"tag": "vpn", "type": "article"})],
    *[("Outlook", {"page": "2"}), ("錯誤", {"page": "5", "limit": "20"})],
]
PATHOLOGICAL = [
    *("*", "a*", "?*", "*a*", "e* o* 0*"),
    ("印表機離線錯誤代碼" * 112)[:1000],
    ("ab* cd? " * 125)[:1000],
    "(" * 200 + "vpn" + ")" * 200,
    "((((" * 60 + "a* OR b*" + "))))" * 60,
    " OR ".join(f"{w}*" for w in "abcdeost印錯" * 15),  # 150 terms, under 1,000 characters
    '"' + " ".join(["錯誤"] * 300) + '"',
]


NORMAL_PATHS = [search_path(q) for _, q in QUERIES] + [search_path(q, e) for q, e in EXTRA]
PATHOLOGICAL_PATHS = [search_path(q) for q in PATHOLOGICAL]


@dataclass
class Job:
    paths: list[str]
    connections: int
    seconds: float


@dataclass
class Result:
    connections: int = 0
    requests: int = 0
    seconds: float = 0.0
    p50: float = 0.0  # milliseconds
    p99: float = 0.0
    non200: int = 0
    server_errors: int = 0  # 5xx, included in non200
    socket_errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non200 + self.socket_errors


Load = Callable[[Sequence[Job]], list[Result]]


@dataclass
class Figures:
    rows: list[tuple[str, Result]] = field(default_factory=list)
    idle_mb: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB) in the soak
    busy: list[float] = field(default_factory=list)  # cores, per server process, sustained
    health: int = 0

    def get(self, label: str) -> Result:
        return next(result for name, result in self.rows if name == label)


# -- load generators --------------------------------------------------------------------------

WRK_SCRIPT = """
paths = {%s}
local threads, counter = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("first", counter * 7)
  table.insert(threads, thread)
end
function init(args) n = first; non200 = 0; fives = 0 end
function request() n = n %% #paths + 1; return wrk.format("GET", paths[n]) end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  if status >= 500 then fives = fives + 1 end
end
function done(summary, latency, requests)
  local non, five = 0, 0
  for _, t in ipairs(threads) do non = non + t:get("non200"); five = five + t:get("fives") end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.0f %%.0f %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), non, five,
    e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_load(base: str, jobs: Sequence[Job], work: Path) -> list[Result]:
    """Every job as its own `wrk` process, all at the same time."""
    running = []
    for number, job in enumerate(jobs):
        script = work / f"load-{number}.lua"
        script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in job.paths))
        threads = min(2, job.connections)
        args = ["wrk", "-t", str(threads), "-c", str(job.connections), "-d", f"{job.seconds:g}s"]
        args += ["--timeout", "10s", "-s", str(script), base]
        running.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True))
    results = []
    for process, job in zip(running, jobs, strict=True):
        output = process.communicate()[0]
        found = re.search(r"RESULT (.*)", output)
        if not found:
            sys.exit(f"wrk printed no result: {output[-500:]}")
        requests, micros, p50, p99, *errors = map(int, found.group(1).split())  # microseconds
        results.append(
            Result(job.connections, requests, micros / 1e6, p50 / 1e3, p99 / 1e3, *errors)
        )
    return results


async def python_job(client: httpx2.AsyncClient, job: Job, offset: int) -> Result:
    result, latencies, counter = Result(job.connections), [], offset
    started = time.perf_counter()
    deadline = started + job.seconds

    async def connection() -> None:
        nonlocal counter
        while time.perf_counter() < deadline:
            counter += 1
            path = job.paths[counter % len(job.paths)]
            sent = time.perf_counter()
            try:
                answer = await client.get(path)
            except httpx2.TransportError:
                result.socket_errors += 1
                continue
            latencies.append((time.perf_counter() - sent) * 1000)
            result.non200 += answer.status_code != 200
            result.server_errors += answer.status_code >= 500

    await asyncio.gather(*(connection() for _ in range(job.connections)))
    result.seconds = time.perf_counter() - started
    result.requests = len(latencies) + result.socket_errors
    if latencies:
        result.p50, result.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return result


def python_load(base: str, jobs: Sequence[Job]) -> list[Result]:
    async def run() -> list[Result]:
        limits = httpx2.Limits(max_connections=sum(job.connections for job in jobs))
        async with httpx2.AsyncClient(base_url=base, timeout=10, limits=limits) as client:
            return await asyncio.gather(*(python_job(client, j, 7 * n) for n, j in enumerate(jobs)))

    return asyncio.run(run())


# -- the server's processes -----------------------------------------------------------------


def processes(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    found = [pid]
    for parent in found:
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                found += [int(child) for child in children.read_text().split()]
    return found


def usage(pid: int) -> dict[int, tuple[float, float]]:
    """The server's processes: pid -> (resident MB, CPU seconds so far)."""
    found, tick = {}, os.sysconf("SC_CLK_TCK")
    for each in processes(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
            stat = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        cpu = (int(stat[11]) + int(stat[12])) / tick  # utime + stime
        found[each] = (int(rss.group(1)) / 1024 if rss else 0.0, cpu)
    return found


def resident_mb(pid: int) -> float:
    return sum(mb for mb, _ in usage(pid).values())


# -- the phases -------------------------------------------------------------------------------


def soak(load: Load, job: Job, pid: int) -> tuple[Result, list[tuple[float, float]]]:
    """The load in a thread while this one samples the server's memory every 10 s."""
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(load, [job])
        while True:
            samples.append((time.monotonic() - started, resident_mb(pid)))
            try:
                return future.result(timeout=10 - (time.monotonic() - started) % 10)[0], samples
            except TimeoutError:
                continue


def phases(load: Load, options: argparse.Namespace, base: str, pid: int) -> Figures:
    figures = Figures(idle_mb=resident_mb(pid))
    figures.rows.append(("probe: /api/health", *load([Job(["/api/health"], 1, 3)])))
    load([Job(NORMAL_PATHS, 4, 3)])  # warm-up, not reported
    for connections in options.connections:
        figures.rows.append((f"sweep {connections}", *load([Job(NORMAL_PATHS, connections, 5)])))
    # the fewest connections that reach the server's throughput (within 5 % of the best):
    # more only queue in front of busy workers and add their wait to every answer
    best = max(figures.get(f"sweep {c}").rate for c in options.connections)
    conns = min(c for c in options.connections if figures.get(f"sweep {c}").rate >= 0.95 * best)
    print(f"sustained {options.seconds:g} s at {conns} connections ...", flush=True)
    before = usage(pid)
    figures.rows.append(("sustained", *load([Job(NORMAL_PATHS, conns, options.seconds)])))
    seconds = figures.get("sustained").seconds
    figures.busy = [
        (cpu - before.get(p, (0, 0))[1]) / seconds for p, (_, cpu) in usage(pid).items()
    ]
    print(f"soak {options.soak_seconds:g} s ...", flush=True)
    soaked, figures.samples = soak(load, Job(NORMAL_PATHS, conns, options.soak_seconds), pid)
    figures.rows.append(("soak", soaked))
    print(f"burst {options.burst_seconds:g} s ...", flush=True)
    normal = Job(NORMAL_PATHS, conns, options.burst_seconds)
    bad = Job(PATHOLOGICAL_PATHS, options.burst_connections, options.burst_seconds)
    figures.rows += zip(("burst: normal", "burst: pathological"), load([normal, bad]), strict=True)
    figures.health = harness.health(int(base.rsplit(":", 1)[1]), 10)
    return figures


def verdict(label: str, shown: str, target: str, met: bool) -> None:
    print(f"{label:<44}{shown:>16}  {target:<18}{'met' if met else 'MISSED'}")


def report(figures: Figures, stopped: tuple[int | None, float], log: Path, generator: str) -> None:
    print(
        f"\n{len(NORMAL_PATHS)} normal queries, {len(PATHOLOGICAL_PATHS)} pathological; "
        f"server: 2 workers; load: {generator}"
    )
    print(
        f"{'phase':<20}{'conns':>6}{'s':>7}{'requests':>9}{'req/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'non-200':>8}{'5xx':>6}{'socket':>8}"
    )
    for label, r in figures.rows:
        harness.figure(f"{label} req/s", r.rate, "q/s", better="higher")
        harness.figure(f"{label} p50 ms", r.p50, "ms")
        harness.figure(f"{label} p99 ms", r.p99, "ms")
        # the pathological queries' non-200 answers are refusals, as meant: not errors
        wanted = "" if label == "burst: pathological" else "lower"
        harness.figure(f"{label} errors", r.errors, "n", wanted)
        print(
            f"{label:<20}{r.connections:>6}{r.seconds:>7.0f}{r.requests:>9}{r.rate:>9.1f}"
            f"{r.p50:>9.1f}{r.p99:>9.1f}{r.non200:>8}{r.server_errors:>6}{r.socket_errors:>8}"
        )
    samples = [mb for _, mb in figures.samples]
    after_minute = next((mb for t, mb in figures.samples if t >= 60), samples[0])
    harness.figure("server memory idle MB", figures.idle_mb, "MB")
    harness.figure("server memory soak max MB", max(samples), "MB")
    print(
        f"\nserver memory (RSS, all its processes): idle {figures.idle_mb:.0f} MB; soak start "
        f"{samples[0]:.0f}, after 1 min {after_minute:.0f}, end {samples[-1]:.0f}, "
        f"max {max(samples):.0f} MB; every 10 s: {' '.join(f'{mb:.0f}' for mb in samples)}"
    )
    busy = " ".join(f"{cores:.2f}" for cores in figures.busy)
    print(f"server CPU in the sustained phase, cores busy per process: {busy}")
    probe = figures.get("probe: /api/health")
    if probe.p50 > 20:
        print(f"one keep-alive connection, idle server, /api/health: p50 {probe.p50:.0f} ms")
        print("  (about 40 ms: Nagle x delayed ACK, TCP_NODELAY off on the server's sockets?)")
    text = log.read_text(encoding="utf-8", errors="replace")
    statuses = Counter(f"{m}xx" for m in re.findall(r" /\S* (\d)\d\d [\d.]+ ms", text))
    print(f"server access log: {dict(sorted(statuses.items()))}; ", end="")
    print(f"tracebacks: {text.count('Traceback')}")
    print(f"machine load average (1, 5, 15 min) at the end: {os.getloadavg()}")

    sustained, soaked = figures.get("sustained"), figures.get("soak")
    burst, bad = figures.get("burst: normal"), figures.get("burst: pathological")
    growth = (samples[-1] - after_minute) / after_minute * 100
    fives = burst.server_errors + bad.server_errors
    code, seconds = stopped
    print(f"\n{'figure':<44}{'value':>16}  {'target':<18}")
    verdict(
        "sustained throughput", f"{sustained.rate:.1f} q/s", ">= 200 q/s", sustained.rate >= 200
    )
    verdict("sustained p99", f"{sustained.p99:.1f} ms", "<= 150 ms", sustained.p99 <= 150)
    verdict("sustained errors", str(sustained.errors), "0", sustained.errors == 0)
    verdict("soak errors", str(soaked.errors), "0", soaked.errors == 0)
    verdict("soak memory: end vs after 1 min", f"{growth:+.1f} %", "within 10 %", abs(growth) <= 10)
    verdict("burst: p99 of normal queries", f"{burst.p99:.1f} ms", "<= 300 ms", burst.p99 <= 300)
    verdict("burst: 5xx (both generators)", str(fives), "0", fives == 0)
    verdict("burst: normal-query errors", str(burst.errors), "0", burst.errors == 0)
    verdict("/api/health after the burst", str(figures.health), "200", figures.health == 200)
    verdict("SIGTERM: exit code", f"{code} in {seconds:.1f} s", "0 within 10 s", code == 0)


def run(options: argparse.Namespace, work: Path) -> None:
    env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(work / "cache")}
    served = harness.prepare_served_kb(work, options.docs, env)
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    use_wrk = shutil.which("wrk") is not None and not options.python
    generator = "wrk" if use_wrk else "python httpx2 (asyncio)"

    def load(jobs: Sequence[Job]) -> list[Result]:
        return wrk_load(base, jobs, work) if use_wrk else python_load(base, jobs)

    log_path = work / "server.log"
    server = harness.start_server(served, port, env, log_path)
    try:
        harness.wait_healthy(port, server)
        print(f"serving on {base} (pid {server.pid}); load: {generator}", flush=True)
        figures = phases(load, options, base, server.pid)
    finally:
        stopped = harness.stop_server(server)
    report(figures, stopped, log_path, generator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000)
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[4, 8, 16, 32], help="5 s each; the best"
    )
    parser.add_argument("--seconds", type=float, default=30, help="sustained phase")
    parser.add_argument("--soak-seconds", type=float, default=300)
    parser.add_argument("--burst-seconds", type=float, default=20)
    parser.add_argument("--burst-connections", type=int, default=2, help="pathological")
    parser.add_argument("--python", action="store_true", help="the httpx2 generator, not wrk")
    options = parser.parse_args()

    with harness.work_folder("kb-serve-bench-") as work:
        run(options, work)


if __name__ == "__main__":
    main()

"""Material's built-in search as an agent gets it on static hosting, measured on a query set.

    python bench/static_search.py [--root DIR] [--queries FILE] [--audience AUDIENCE]
                                  [--keep DIR] [--plain] [--misses]

`material_ranker(root, work)` builds the site of the knowledge base at `root` as `kb build`
does (a fresh `kb build --site-dir WORK/site` process in `root`: the supportkb plugin, its
pages and its static search script) and serves it from a local static server (a thread), so
`/api/health` answers "static" and the site keeps Material's own search. Debian's headless
Chromium (/usr/bin/chromium, through Playwright; never a downloaded browser) opens the home
page once; Material's search worker builds its lunr index there (in the browser, as for every
reader: Material has no prebuilt index). Each query is then typed into the header search box
as an input method commits it (one `input` event, then a key released: Material reads the box
on keyup), so it takes the agent's path: supportkb's search.js converts it on its way to the
worker (Simplified and mainland wording to the site's Traditional words, ids to the form the
pages' search keys carry; it wraps Worker.prototype.postMessage), the worker answers, and
Material renders the result list. The ranking is read from that list: each item is one page
(Material groups a page's sections under the page), its first link the page itself; the
page's URL gives the document id (each document's page, from its repository path and
mkdocs.yml's docs_dir, as `kb index` computes its URL). The first 10 pages are returned.

A result that is not a document's page (the home page, the register, a category's index)
takes its place in the list as the agent sees it: it is returned as "page:<its path>", which
no query's answer matches (`other_pages=False` leaves such pages out instead).

What is timed (`ranker.timings`): the build (`kb build`), the browser's start and the worker's
index (from opening the page to Material's READY message), and each query (typing to the list
rendered), with the worker's own share (its QUERY message to its RESULT). Typing through the
box, not messages sent to the worker by hand, is what an agent does, and it is fast enough:
for 4,700 documents the build (MkDocs: Markdown, and Material's search plugin cutting every
page with jieba) takes minutes, the worker's index in the browser seconds, and a query a few
hundred milliseconds at most, most of it the worker's; the box adds tens of milliseconds.

Two things an agent meets that are not this script's: Material's worker answers nothing for
some words (lunr's wildcard bug: Material appends `*` to every term, and for some terms lunr
throws "Cannot read properties of undefined (reading '_index')", olivernn/lunr.js#279, #314;
on the starter site "outlook" and "account locked out"); the worker logs "Invalid query",
answers an empty list, and the box says no result (counted in `timings.failed`). And
search.js converts every query to Traditional (the site's words): on a site written in
Simplified, that conversion costs what --plain shows.

The site is built for the widest audience (`restricted`) unless told otherwise, so that
Material searches the same documents as `kb search` does in bench/search_quality.py (every
document); `audience=None` keeps mkdocs.yml's.

Run as a script it measures the query set (default: this checkout's starter content and
tests/data/search_queries.yml) as written and converted to the other script
(`quality.converted`): MRR@10 and Recall@5, with the timings; with --plain, beside it plain
Material on the same site (the queries as typed: search.js is served an empty table), which
tells the conversion's share from Material's own. Exits 77 with a message when
Chromium or Playwright is absent (run_all.py reports it as skipped).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import harness

CHROMIUM, SKIPPED, FLAGS = harness.CHROMIUM, harness.SKIPPED, harness.CHROMIUM_FLAGS
TOP = 10
OTHER_PAGE = "page:"  # a result that is no document's page: "page:register/"
READY_SECONDS = 900.0  # the worker's index of a large site (4,700 pages) takes a while
QUERY_SECONDS = 60.0
TABLE = "assets/supportkb/chinese-table.json"  # search.js's conversion table (the plugin's)

# Installed before the page's own scripts (Playwright's init script), so supportkb's search.js
# wraps this wrapper: what is recorded is what reaches the worker, after its conversion. Material's
# messages: SETUP 0, READY 1, QUERY 2, RESULT 3. The worker answers in order, one RESULT a QUERY.
PROBE = r"""
(() => {
  if (window.__staticSearch) return;
  const probe = { ready: false, sent: [], posted: [], answered: 0, items: [], worker: [],
                  failed: [] };
  window.__staticSearch = probe;
  if (!window.Worker) return;
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message) {
    if (!this.__staticSearchProbe) {
      this.__staticSearchProbe = true;
      this.addEventListener("message", (event) => {
        const data = event.data || {};
        if (data.type === 1) probe.ready = true;
        if (data.type === 3) {
          probe.worker.push(performance.now() - probe.posted[probe.answered]);
          probe.answered += 1;
          probe.items.push(((data.data || {}).items || []).length);
          // the worker's answer when lunr threw ("Invalid query"): items only, without the
          // suggestions every other answer carries (the site has search.suggest)
          probe.failed.push(!("suggest" in (data.data || {})));
        }
      });
    }
    if (message && message.type === 2) {
      probe.sent.push(String(message.data));
      probe.posted.push(performance.now());
    }
    return post.apply(this, arguments);
  };
})();
"""

# Before a query: a marker in the result list, which Material empties when it renders a result.
MARK = r"""
() => {
  const list = document.querySelector(".md-search-result__list");
  if (!list) throw new Error("no .md-search-result__list on the page");
  const mark = document.createElement("li");
  mark.hidden = true;
  mark.setAttribute("data-static-search-mark", "");
  list.appendChild(mark);
  return window.__staticSearch.sent.length;
}
"""

# After typing: once the worker has answered every query sent (the one typed among them) and
# Material has rendered the last answer (the marker is gone), the pages listed, in order.
READ = r"""
async ([before, top, timeout]) => {
  const probe = window.__staticSearch;
  const list = document.querySelector(".md-search-result__list");
  const start = performance.now();
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (;;) {
    const done = probe.sent.length > before && probe.answered >= probe.sent.length;
    if (done && !list.querySelector("[data-static-search-mark]")) break;
    if (performance.now() - start > timeout) {
      return { timedOut: true, sent: probe.sent.slice(before), hrefs: [], items: 0, worker: [],
               failed: false };
    }
    await pause(done ? 0 : 2);
  }
  await pause(0); // every listener of the RESULT message has run
  const suggests = () => {
    const config = JSON.parse(document.querySelector("#__config").textContent);
    return (config.features || []).includes("search.suggest");
  };
  const hrefs = [];
  for (const item of list.querySelectorAll(":scope > li.md-search-result__item")) {
    const link = item.querySelector("a.md-search-result__link");
    if (link) hrefs.push(link.href);
    if (hrefs.length >= top) break;
  }
  return { timedOut: false, sent: probe.sent.slice(before), hrefs: hrefs,
           items: probe.items[probe.items.length - 1], worker: probe.worker.slice(before),
           failed: suggests() && probe.failed[probe.failed.length - 1] &&
                   !!probe.sent[probe.sent.length - 1].trim() };
}
"""


@dataclass
class Timings:
    """Seconds: the site's build, the browser's start and the worker's index, each query."""

    build: float = 0.0
    index: float = 0.0
    queries: list[float] = field(default_factory=list)
    worker: list[float] = field(default_factory=list)  # of each query, the worker's answer
    failed: int = 0  # queries the worker could not run (lunr threw: "Invalid query")
    pages: int = 0  # pages in the site's search index (sections not counted)
    sections: int = 0  # entries in search_index.json (pages and their sections)

    def summary(self) -> str:
        def ms(values: list[float]) -> str:
            if not values:
                return "none"
            p50, p95 = statistics.median(values), harness.percentile(values, 0.95)
            return f"median {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"

        return (
            f"build {self.build:.1f} s; browser and worker index {self.index:.1f} s "
            f"({self.pages} pages, {self.sections} search entries); "
            f"{len(self.queries)} queries: typed to list rendered {ms(self.queries)}, "
            f"of which the worker's answer {ms(self.worker)}; "
            f"{self.failed} the worker could not run (lunr's error, no result)"
        )


@dataclass(frozen=True)
class Answer:
    """One query as the box ran it: the text sent to the worker (after search.js's
    conversion), the pages listed (paths), the ids ranked, the result count."""

    text: str
    sent: tuple[str, ...]
    pages: tuple[str, ...]
    ranked: tuple[str, ...]
    items: int
    failed: bool = False  # the worker could not run it ("Invalid query": lunr threw)


class MaterialSearch:
    """A callable ranker over one built, served site, in one page of the shared browser."""

    def __init__(
        self,
        site: Path,
        page_ids: dict[str, str],
        timings: Timings,
        other_pages: bool,
        browser: Any = None,
        convert: bool = True,
    ) -> None:
        self.site = site
        self.page_ids = page_ids
        self.timings = timings
        self.other_pages = other_pages
        self.answers: dict[str, Answer] = {}
        self.timings.pages, self.timings.sections = _index_size(site)
        self._server = _serve(site)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        start = time.perf_counter()
        self._context = (browser or _browser()).new_context(
            locale="zh-TW", viewport={"width": 1280, "height": 900}
        )
        self._context.add_init_script(PROBE)
        if not convert:  # search.js gets an empty table: its queries go to the worker as typed
            self._context.route(f"**/{TABLE}", lambda route: route.fulfill(json={}))
        self._page = self._context.new_page()
        self._page.goto(self.url)
        self._wait_ready()
        self.timings.index = time.perf_counter() - start
        self._box = self._page.locator("input.md-search__input")
        atexit.register(self.close)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while not self._page.evaluate("() => !!(window.__staticSearch || {}).ready"):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Material's search worker did not get ready in {READY_SECONDS:.0f} s"
                )
            self._page.wait_for_timeout(100)

    def __call__(self, text: str) -> list[str]:
        return list(self.answer(text).ranked)

    def answer(self, text: str) -> Answer:
        known = self.answers.get(text)
        if known is not None:  # Material sends a query only when the box's text changes
            return known
        start = time.perf_counter()
        before = self._page.evaluate(MARK)
        self._box.fill(text)  # as an input method commits the text: one input event
        self._box.press("End")  # and a key released: Material reads the box on keyup
        found = self._page.evaluate(READ, [before, TOP, QUERY_SECONDS * 1000])
        self.timings.queries.append(time.perf_counter() - start)
        self.timings.worker.extend(ms / 1000 for ms in found["worker"])
        if found["timedOut"] and text.strip():  # an empty box may send nothing
            print(f"static search: no answer to {text!r} in {QUERY_SECONDS:.0f} s")
        pages = tuple(_site_path(href, self.url) for href in found["hrefs"])
        ranked = []
        for page in pages:
            doc = self.page_ids.get(page)
            if doc is not None:
                ranked.append(doc)
            elif self.other_pages:
                ranked.append(OTHER_PAGE + page)
        answer = Answer(
            text,
            tuple(found["sent"]),
            pages,
            tuple(ranked[:TOP]),
            found["items"],
            bool(found["failed"]),
        )
        self.answers[text] = answer
        self.timings.failed += answer.failed
        return answer

    def close(self) -> None:
        if self._server is None:
            return
        with contextlib.suppress(Exception):  # the browser is gone already (at exit)
            self._context.close()
        self._server.shutdown()
        self._server.server_close()
        self._server = None  # type: ignore[assignment]


def material_ranker(
    root: Path,
    work: Path,
    *,
    audience: str | None = "restricted",
    other_pages: bool = True,
    browser: Any = None,
    convert: bool = True,
) -> MaterialSearch:
    """Build the site of the knowledge base at `root` into `work`/site and return a ranker:
    query text -> the ids of the first 10 pages Material's search lists, in order, typed
    into the box of that site in headless Chromium. RuntimeError when Chromium or Playwright
    is missing, or the site cannot be built. `browser`: a Playwright Chromium browser to open
    the page in (default: one started for the process, Debian's Chromium). `convert=False`:
    plain Material, without supportkb's conversion of the queries (search.js is served an
    empty table), to tell the conversion's share from Material's."""
    _require_browser()
    timings = Timings()
    site = work / "site"
    start = time.perf_counter()
    _build(root, site, audience)
    timings.build = time.perf_counter() - start
    page_ids = _page_ids(root, site)
    return MaterialSearch(site, page_ids, timings, other_pages, browser, convert)


# -- the site -----------------------------------------------------------------------------------


def _build(root: Path, site: Path, audience: str | None) -> None:
    """`kb build` as an author runs it, in the knowledge base's folder. --no-strict: a broken
    link is reported, not fatal; the site is the same."""
    args = [*harness.kb_command(), "build", "--site-dir", str(site.resolve())]
    args += ["--as-of", harness.AS_OF.isoformat(), "--no-strict"]
    if audience is not None:
        args += ["--audience", audience]
    done = subprocess.run(args, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (site / "search" / "search_index.json").is_file():
        raise RuntimeError(
            f"kb build failed in {root} (exit {done.returncode}): {done.stderr[-2000:]}"
        )


def _mkdocs_setting(root: Path, name: str, default: str) -> str:
    """One top-level scalar of mkdocs.yml (the file has !!python tags: no YAML loader)."""
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    found = re.search(rf"^{name}:\s*['\"]?([^'\"#\s]+)", text, re.MULTILINE)
    return found[1] if found else default


def _page_ids(root: Path, site: Path) -> dict[str, str]:
    """Each published document's page (its path under the site, "kb/vpn/vpn-error-809/")
    -> its id. The page as `kb index` computes a document's URL: a file in docs_dir loses
    that prefix, index.md and README.md are their folder's page."""
    docs_dir = _mkdocs_setting(root, "docs_dir", "docs").strip("/") + "/"
    directory_urls = _mkdocs_setting(root, "use_directory_urls", "true").lower() != "false"
    kb = harness.library("load_knowledge_base")(root, use_cache=False)
    pages = {}
    for document in kb.documents:
        path = document.path
        path = path[len(docs_dir) :] if path.startswith(docs_dir) else path
        stem = path[: -len(".md")]
        if not directory_urls:
            page = stem + ".html"
        elif stem.rsplit("/", 1)[-1] in ("index", "README"):
            page = stem.rsplit("/", 1)[0] + "/" if "/" in stem else ""
        else:
            page = stem + "/"
        built = site / page / "index.html" if directory_urls else site / page
        if built.is_file():  # published for this audience
            pages[page] = document.id
    if not pages:
        raise RuntimeError(f"no document of {root} has a page in the site built at {site}")
    return pages


def _index_size(site: Path) -> tuple[int, int]:
    import json

    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    return sum("#" not in d["location"] for d in docs), len(docs)


def _site_path(href: str, base: str) -> str:
    """A result's link -> the page's path under the site ("kb/x/"), without ?h= and #."""
    path = unquote(urlsplit(href).path)
    return path[len(urlsplit(base).path) :] if path.startswith(urlsplit(base).path) else path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(site: Path) -> ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- the browser (one for every ranker of the process: Playwright's sync API runs once) -------

_PLAYWRIGHT: list[Any] = []  # [playwright, browser] once started


def _require_browser() -> None:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"Material's static search needs Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium); none is downloaded"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "Material's static search needs Playwright (make setup installs it)"
        ) from None


def _browser() -> Any:
    if not _PLAYWRIGHT:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        _PLAYWRIGHT[:] = [playwright, browser]
        atexit.register(_stop_browser)
    return _PLAYWRIGHT[1]


def _stop_browser() -> None:
    if _PLAYWRIGHT:
        playwright, browser = _PLAYWRIGHT
        _PLAYWRIGHT.clear()
        browser.close()
        playwright.stop()


# -- the script ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    checkout = harness.checkout()
    parser.add_argument("--root", type=Path, default=checkout, help="the knowledge base")
    parser.add_argument(
        "--queries", type=Path, default=checkout / "tests/data/search_queries.yml"
    )
    parser.add_argument(
        "--audience",
        default="restricted",
        help="the site's audience (default restricted: every document, as bench/"
        "search_quality.py's kb search); 'site' keeps mkdocs.yml's",
    )
    parser.add_argument("--keep", type=Path, help="build the site here and keep it")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="also plain Material (the queries as typed, without search.js's conversion)",
    )
    parser.add_argument("--misses", action="store_true", help="list the queries missed")
    options = parser.parse_args(argv)

    quality = harness.library("search_quality")
    for path, what in ((options.root / "mkdocs.yml", "--root"), (options.queries, "--queries")):
        if not path.is_file():
            sys.exit(f"{what}: {path} not found")
    judgements = quality.load_query_set(options.queries)
    other = quality.converted(judgements)
    audience = None if options.audience == "site" else options.audience
    os.environ.setdefault("SUPPORTKB_CACHE_DIR", str(Path("/tmp/supportkb-static-cache")))
    rows: dict[str, tuple[Any, Any, MaterialSearch]] = {}
    with harness.work_folder("kb-static-", options.keep) as work:
        try:
            rank = material_ranker(options.root, work, audience=audience)
        except RuntimeError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            sys.exit(SKIPPED)
        rankers = {"Material static search": rank}
        if options.plain:  # the same site, its queries not converted
            rankers["plain Material (no conversion)"] = MaterialSearch(
                rank.site, rank.page_ids, Timings(), True, convert=False
            )
        for label, ranker in rankers.items():
            found = quality.evaluate(ranker, judgements), quality.evaluate(ranker, other)
            rows[label] = (*found, ranker)
            ranker.close()
    queries = options.queries.name
    print(f"{queries}: {len(judgements)} queries ({len(other)} converted to the other script)")
    print(f"site: {options.root.resolve()}\n")
    print(f"{'engine':<34}{'MRR@10':>8}{'R@5':>8}{'MRR@10 conv.':>14}{'R@5 conv.':>11}")
    for label, (original, switched, _) in rows.items():
        name = f"{label} ({queries})"
        harness.figure(f"{name} MRR@10", original.mrr_at_10, better="")
        harness.figure(f"{name} R@5", original.recall_at_5, better="")
        harness.figure(f"{name} MRR@10 conv.", switched.mrr_at_10, better="")
        harness.figure(f"{name} R@5 conv.", switched.recall_at_5, better="")
        print(
            f"{label:<34}{original.mrr_at_10:>8.3f}{original.recall_at_5:>8.3f}"
            f"{switched.mrr_at_10:>14.3f}{switched.recall_at_5:>11.3f}"
        )
    print(f"\n{rank.timings.summary()}")
    if options.misses:
        for label, (original, switched, ranker) in rows.items():
            for result, which in ((original, "original"), (switched, "converted")):
                print(f"\n{label}, missed ({which}):")
                for text, top in result.misses:
                    sent = ranker.answers[text].sent if text in ranker.answers else ()
                    print(f"  {text!r:32} sent {list(sent)!r:32} top: {', '.join(top)}")


if __name__ == "__main__":
    main()

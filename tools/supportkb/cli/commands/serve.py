"""`kb serve`."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from supportkb.cli.commands.options import (
    analytics_option,
    as_of_option,
    index_dir_option,
    root_option,
)
from supportkb.errors import FatalError

if TYPE_CHECKING:
    from watchfiles import Change

    from supportkb.service.live_reload import LiveSite, Rebuilt
    from supportkb.site.marker import SiteMarker


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="The port to listen on (with --host).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Worker processes (one per core).",
)
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="The site built by `kb build`.",
)
@analytics_option("Where searches are recorded (no personal data), for `kb report`.")
@click.option("--no-analytics", is_flag=True, help="Record nothing.")
@click.option("--cors-origin", multiple=True, help="Allow this origin to call the API (CORS).")
@click.option(
    "--restricted",
    is_flag=True,
    hidden=True,
    help="Refused: a restricted site is built with `kb build --audience restricted`.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="For authors: build the index and the site first (so a document written before it "
    "started is served; no `kb build` needed), then on every save in kb/, sops/, docs/, "
    "mkdocs.yml or owners.yml update the index "
    "and rebuild the site into a new folder swapped in at once (no request fails meanwhile); "
    "an open page reloads itself when it changed. A failed rebuild keeps the previous site "
    "and prints the error.",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(0.5, 300),
    default=10,
    show_default=True,
    help="Seconds a client has to send a whole request; slower or idle ones are closed.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(16, 100_000),
    default=1000,
    show_default=True,
    help="Open connections per worker (fewer when the open-file limit is lower); beyond it "
    "the longest idle one is closed.",
)
@as_of_option
@index_dir_option
@root_option
def serve_command(
    host: str,
    port: int,
    workers: int,
    site_dir: Path,
    analytics: Path,
    no_analytics: bool,
    cors_origin: tuple[str, ...],
    restricted: bool,
    watch: bool,
    request_timeout: float,
    max_connections: int,
    as_of: date | None,
    index_dir: Path | None,
    root: Path,
) -> None:
    """Serve the built site and a JSON search API over the index (`/api/search`,
    `/api/documents/{id}`, `/api/health`; OpenAPI at `/api/openapi.json`). The site's search
    box then asks this API as you type; on static hosting it falls back to the site's own
    search. The API answers only with documents of the audience the site was built for
    (`kb build --audience`). Listens on 127.0.0.1 unless told otherwise; stops cleanly on
    Ctrl-C or SIGTERM."""
    from supportkb.reporting.feedback import claim_feedback_file, feedback_path
    from supportkb.reporting.search_log import claim_log_file
    from supportkb.search.indexing.index import index_folder
    from supportkb.service import workers as serve_workers
    from supportkb.service.app import SETTINGS_VARIABLE, ServeSettings
    from supportkb.service.live_reload import LIVE_FILE, LiveSite
    from supportkb.service.sockets import claim_port
    from supportkb.site.marker import read_marker

    if restricted:
        raise click.UsageError(
            "--restricted is gone: the service answers for the audience its site was built "
            "for; build a restricted site with `kb build --audience restricted` and serve that "
            "(behind single sign-on that admits only the restricted group)"
        )
    site = site_dir if site_dir.is_absolute() else root / site_dir
    folder = index_folder(root, index_dir)
    with contextlib.ExitStack() as stack:
        live: LiveSite | None = None
        if watch:
            live_folder = Path(tempfile.mkdtemp(prefix="kb-serve-live-"))
            stack.callback(shutil.rmtree, live_folder, ignore_errors=True)
            marker = read_marker(site)
            live = LiveSite(
                root,
                folder,
                site,
                marker.audience if marker is not None else None,
                as_of or date.today(),
                live_folder / LIVE_FILE,
            )
        if live is None:  # what is missing is said first, whatever holds the port
            marker = _servable(site, site_dir, folder)
            stack.enter_context(claim_port(host, port, workers))
        else:
            stack.enter_context(claim_port(host, port, workers))  # before a build: a clear error
            click.echo(f"building the index and the site in {site} (--watch)", err=True)
            started = live.start()
            _report(started)
            if started.state.error is not None and read_marker(site) is None:
                raise FatalError(started.state.error)
            marker = _servable(site, site_dir, folder)
        analytics_file = analytics if analytics.is_absolute() else root / analytics
        if not no_analytics:
            claim_log_file(analytics_file)
            claim_feedback_file(feedback_path(analytics_file))
        settings = ServeSettings(
            index_folder=str(folder),
            site_folder=str(site),
            analytics=None if no_analytics else str(analytics_file),
            cors_origins=cors_origin,
            audience=marker.audience,
            as_of=as_of.isoformat() if as_of else None,
            live_file=str(live.live_file) if live is not None else None,
        )
        os.environ[SETTINGS_VARIABLE] = settings.dumps()
        if live is not None:
            _watch(root, live)
        logging.getLogger("supportkb.access").setLevel(logging.INFO)
        click.echo(
            f"serving {site} ({marker.audience} audience) and the search API on "
            f"http://{host}:{port}/",
            err=True,
        )
        serve_workers.run(
            workers,
            limits=serve_workers.ConnectionLimits(request_timeout, max_connections),
            app="supportkb.service.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            access_log=False,
            log_level="info",
            timeout_graceful_shutdown=5,
            timeout_keep_alive=5,
            server_header=False,
        )


def _servable(site: Path, site_dir: Path, index: Path) -> SiteMarker:
    """The marker of the site `kb build` made in `site` (its audience), once its index is
    known to open; FatalError when there is no such site, it names an audience this version
    does not know, or its audience has no index (a clear error now rather than in every
    worker)."""
    from supportkb.search.indexing.index import AUDIENCES, open_engine
    from supportkb.site.marker import read_marker

    marker = read_marker(site)
    if not (site / "index.html").is_file() or marker is None:
        raise FatalError(
            f"no site built by `kb build` in {site} (its audience is recorded there): "
            f"run `kb build --site-dir {site_dir}`, or `kb serve --watch` to build it"
        )
    if marker.audience not in AUDIENCES:
        raise FatalError(
            f"the site in {site} names an unknown audience {marker.audience!r}: "
            f"run `kb build --site-dir {site_dir}` again"
        )
    open_engine(index, marker.audience)
    return marker


def _watch(root: Path, live: LiveSite) -> None:
    """Rebuild on changes, in a thread of the main process: the index (incrementally) and the
    site (into a new folder swapped in at once), for the audience the site was built for (not
    the one mkdocs.yml names); the workers, other processes, see the new index and site at
    their next request and tell the open pages through /api/live (`service.live_reload`)."""
    from watchfiles import watch

    watched = watched_paths(root)

    def loop() -> None:
        for changes in watch(*watched, watch_filter=starts_a_rebuild):
            paths = tuple(sorted({Path(path) for _, path in changes}))
            names = sorted({path.name for path in paths})
            click.echo(f"changed: {', '.join(names[:5])}; rebuilding", err=True)
            _report(live.rebuild(paths))

    threading.Thread(target=loop, name="kb-watch", daemon=True).start()


def starts_a_rebuild(change: Change, path: str) -> bool:
    """What `--watch` rebuilds for: watchfiles' usual filter (no .git, no editor backups),
    and no hidden file, which is never a document (`documents.layout`): an editor's swap file
    or the temporary file of an atomic write (`kb new`, `kb review`) is not named either."""
    from watchfiles import DefaultFilter

    return DefaultFilter()(change, path) and not Path(path).name.startswith(".")


def _report(rebuilt: Rebuilt) -> None:
    """One rebuild in the terminal: what failed and where, or what it took."""
    state = rebuilt.state
    for problem in rebuilt.problems:
        click.echo(problem, err=True)
    if state.error is not None:
        click.echo(f"build failed (the previous site, if any, is served): {state.error}", err=True)
        return
    pages = f"{len(state.changed)} page(s) changed" + (
        f", {len(state.removed)} removed" if state.removed else ""
    )
    click.echo(
        f"index: {rebuilt.documents} documents ({rebuilt.index_seconds:.2f} s); "
        f"site rebuilt ({rebuilt.site_seconds:.2f} s); {pages}",
        err=True,
    )


def watched_paths(root: Path) -> list[Path]:
    """What `--watch` watches: what `mkdocs serve` watches with the plugin
    (`site.plugin.watched_sources`)."""
    from supportkb.site.plugin import watched_sources

    return watched_sources(root)

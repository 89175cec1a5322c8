"""`kb serve`."""

from __future__ import annotations

import logging
import os
import threading
from datetime import date
from pathlib import Path

import click

from supportkb.cli.commands.options import (
    analytics_option,
    as_of_option,
    index_dir_option,
    root_option,
)
from supportkb.documents.layout import ARTICLES_DIR, POLICIES_DIR, SOPS_DIR
from supportkb.errors import FatalError


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
@click.option("--watch", is_flag=True, help="Rebuild the site and update the index on changes.")
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
    from supportkb.search.indexing.index import AUDIENCES, index_folder, open_engine
    from supportkb.service import workers as serve_workers
    from supportkb.service.app import SETTINGS_VARIABLE, ServeSettings
    from supportkb.service.sockets import claim_port
    from supportkb.site.marker import read_marker

    if restricted:
        raise click.UsageError(
            "--restricted is gone: the service answers for the audience its site was built "
            "for; build a restricted site with `kb build --audience restricted` and serve that "
            "(behind single sign-on that admits only the restricted group)"
        )
    site = site_dir if site_dir.is_absolute() else root / site_dir
    marker = read_marker(site)
    if not (site / "index.html").is_file() or marker is None:
        raise FatalError(
            f"no site built by `kb build` in {site} (its audience is recorded there): "
            f"run `kb build --site-dir {site_dir}`"
        )
    if marker.audience not in AUDIENCES:
        raise FatalError(
            f"the site in {site} names an unknown audience {marker.audience!r}: "
            f"run `kb build --site-dir {site_dir}` again"
        )
    folder = index_folder(root, index_dir)
    open_engine(folder, marker.audience)  # a clear error now rather than in every worker
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
    )
    os.environ[SETTINGS_VARIABLE] = settings.dumps()
    with claim_port(host, port, workers):
        if watch:
            _watch(root, folder, site, as_of, marker.audience)
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


def _watch(root: Path, folder: Path, site: Path, as_of: date | None, audience: str) -> None:
    """Rebuild on changes, in a thread of the main process (the workers pick up the new
    index by themselves; the site's files are replaced by MkDocs), for the audience the site
    was built for (not the one mkdocs.yml names)."""
    from watchfiles import watch

    from supportkb.search.indexing.index import build_index
    from supportkb.site.build import build_site

    watched = watched_paths(root)

    def loop() -> None:
        for changes in watch(*watched):
            names = sorted({Path(path).name for _, path in changes})
            click.echo(f"changed: {', '.join(names[:5])}; rebuilding", err=True)
            try:
                report = build_index(root, folder)
                build_site(root, as_of or date.today(), site, strict=False, audience=audience)
                click.echo(f"index: {report.documents} documents; site rebuilt", err=True)
            except FatalError as exc:
                click.echo(f"rebuild failed: {exc}", err=True)

    threading.Thread(target=loop, name="kb-watch", daemon=True).start()


def watched_paths(root: Path) -> list[Path]:
    """What `--watch` watches: the document folders (`documents.layout`), the site's pages
    (MkDocs' `docs_dir`), mkdocs.yml and the owners registry; a folder inside another watched
    one is watched through it."""
    from supportkb.workspace.owners import REGISTRY_FILE
    from supportkb.workspace.settings import mkdocs_settings

    docs_dir = str(mkdocs_settings(root)["docs_dir"])  # MkDocs' default filled in there
    names = (ARTICLES_DIR, SOPS_DIR, POLICIES_DIR, docs_dir, "mkdocs.yml", REGISTRY_FILE)
    found = [root / name for name in dict.fromkeys(names) if (root / name).exists()]
    return [path for path in found if not any(other in path.parents for other in found)]

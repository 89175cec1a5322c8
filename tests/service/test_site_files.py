"""The site's files are answered whole while `kb serve --watch` swaps in a rebuilt site."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.staticfiles import StaticFiles

from supportkb.service.app import ServeSettings, create_app


def _site(folder: Path, page: str) -> Path:
    (folder / "kb/a").mkdir(parents=True)
    (folder / "kb/a/index.html").write_text(page, encoding="utf-8")
    (folder / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    return folder


def test_a_swap_between_looking_up_and_answering_sends_one_whole_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path / "site", "<p>the previous build</p>")
    rebuilt = _site(tmp_path / ".site.new", "<p>the rebuilt page, longer than the previous one</p>")
    looked_up = StaticFiles.lookup_path

    def then_swapped(self: StaticFiles, path: str) -> tuple[str, os.stat_result | None]:
        found = looked_up(self, path)  # what Starlette stats (its size is Content-Length) ...
        if path == "kb/a/index.html" and not (tmp_path / ".site.old").exists():
            os.rename(site, tmp_path / ".site.old")  # ... then `kb build` swaps the site
            os.rename(rebuilt, site)
        return found

    monkeypatch.setattr(StaticFiles, "lookup_path", then_swapped)
    settings = ServeSettings(index_folder=str(tmp_path / "index"), site_folder=str(site))
    answer = TestClient(create_app(settings)).get("/kb/a/")
    assert answer.status_code == 200
    assert answer.text == "<p>the rebuilt page, longer than the previous one</p>"
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.headers["content-type"].startswith("text/html")


def test_files_keep_their_type_and_revalidation(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", "<p>page</p>")
    (site / "style.css").write_text("p {}", encoding="utf-8")
    settings = ServeSettings(index_folder=str(tmp_path / "index"), site_folder=str(site))
    client = TestClient(create_app(settings))
    first = client.get("/style.css")
    assert first.headers["content-type"].startswith("text/css") and first.text == "p {}"
    again = client.get("/style.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/absent/").status_code == 404
    ranged = client.get("/kb/a/", headers={"Range": "bytes=0-2"})
    assert ranged.status_code == 206 and ranged.text == "<p>"

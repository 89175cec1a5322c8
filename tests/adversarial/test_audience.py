"""A document reaches only its audience, in every output and every answer of the service.

Reproductions (issue 13), each now a test: a restricted word came back as "did you mean" on
the CLI and the API; a public document's score changed when restricted documents were
indexed (the collection's statistics counted them); `kb serve` on a site built with
`--audience public` answered with internal documents (search, facets, documents, related
lists); `kb serve --watch` rebuilt a public site with the audience of mkdocs.yml.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from supportkb.cli.main import cli
from supportkb.search.indexing.index import build_index, live_generation, open_engine, read_related
from supportkb.service.app import ServeSettings, create_app
from supportkb.site.marker import read_marker

from conftest import AS_OF, KnowledgeBaseFactory

SECRET = "zqrflibbertigibbet"
TYPO = "zqrflibbertigibbex"
PUBLIC = {"KB-0001", "KB-0002"}
INTERNAL = {"KB-0003"}
RESTRICTED = {"KB-0004", "KB-0005"}


def doc(
    kb: KnowledgeBaseFactory, path: str, doc_id: str, title: str, visibility: str, text: str
) -> None:
    front = (
        f"id: {doc_id}\ntitle: {title}\nstatus: published\nowner: alice\n"
        f"last_reviewed: 2026-10-01\nkind: faq\nvisibility: {visibility}"
    )
    kb.document(path, front, f"# {title}\n\n{text}\n")


def public_and_internal(kb: KnowledgeBaseFactory) -> None:
    doc(kb, "kb/vpn/reset.md", "KB-0001", "VPN tunnel reset", "public", "Reset the VPN tunnel.")
    doc(kb, "kb/vpn/client.md", "KB-0002", "VPN client install", "public", "Install the client.")
    doc(kb, "kb/vpn/gateway.md", "KB-0003", "VPN tunnel gateway", "internal", "Gateway tunnel.")


def restricted(kb: KnowledgeBaseFactory) -> None:
    words = f"VPN tunnel tunnel tunnel {SECRET} key rotation"
    doc(kb, "kb/vpn/keys.md", "KB-0004", "VPN tunnel keys", "restricted", words)
    # a visibility that cannot be understood fails closed: restricted
    doc(kb, "kb/vpn/odd.md", "KB-0005", "VPN tunnel odd", "secret-ish", "VPN tunnel tunnel.")


@pytest.fixture
def checkout(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    public_and_internal(kb)
    restricted(kb)
    kb.write("docs/index.md", "# KB\n")
    return kb


def search(root: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["-C", str(root), "search", "--as-of", AS_OF.isoformat(), "--json", *args]
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def found(root: Path, *args: str) -> set[str]:
    return {r["id"] for r in search(root, "--limit", "100", *args)["results"]}


def scores(root: Path, *args: str) -> dict[str, float]:
    return {r["id"]: r["score"] for r in search(root, *args)["results"]}


# -- kb index and kb search ---------------------------------------------------------------


def test_each_audience_index_holds_only_what_the_audience_may_see(
    checkout: KnowledgeBaseFactory,
) -> None:
    build_index(checkout.root)
    folder = checkout.root / ".kb-index"
    held = {}
    for audience in ("public", "internal", "restricted"):
        searcher = open_engine(folder, audience).searcher()
        held[audience] = {
            doc_id
            for doc_id in PUBLIC | INTERNAL | RESTRICTED
            if searcher.stored(doc_id) is not None
        }
        searcher.close()
    assert held == {
        "public": PUBLIC,
        "internal": PUBLIC | INTERNAL,
        "restricted": PUBLIC | INTERNAL | RESTRICTED,
    }
    for audience, ids in held.items():
        listed = read_related(folder, audience)
        shown = set(listed) | {item["id"] for items in listed.values() for item in items}
        assert shown <= ids, (audience, shown - ids)


def test_kb_search_finds_the_audience_s_documents_and_no_filter_widens_it(
    checkout: KnowledgeBaseFactory,
) -> None:
    build_index(checkout.root)
    root = checkout.root
    assert found(root, "VPN") == PUBLIC | INTERNAL  # internal by default
    assert found(root, "--audience", "public", "VPN") == PUBLIC
    assert found(root, "--audience", "restricted", "VPN") == PUBLIC | INTERNAL | RESTRICTED
    assert found(root, "--restricted", "VPN") == PUBLIC | INTERNAL | RESTRICTED
    for widen in ("visibility:restricted", "visibility:internal OR VPN", "id:KB-0004", "*"):
        assert not found(root, "--all", "--audience", "public", widen) - PUBLIC, widen
        assert not found(root, "--all", widen) & RESTRICTED, widen
    assert not found(root, "--all", "--status", "published", "VPN") & RESTRICTED


def test_no_suggestion_from_words_the_audience_may_not_see(
    checkout: KnowledgeBaseFactory,
) -> None:
    build_index(checkout.root)
    root = checkout.root
    assert search(root, TYPO)["suggestion"] is None
    assert search(root, "--audience", "public", TYPO)["suggestion"] is None
    assert search(root, "--all", TYPO)["suggestion"] is None
    assert search(root, "--audience", "restricted", TYPO)["suggestion"] == SECRET
    assert search(root, SECRET)["total"] == 0


def test_scores_do_not_depend_on_documents_the_audience_may_not_see(
    kb: KnowledgeBaseFactory,
) -> None:
    public_and_internal(kb)
    build_index(kb.root)
    query = "VPN tunnel"
    before = {a: scores(kb.root, "--audience", a, query) for a in ("public", "internal")}
    wide_before = scores(kb.root, "--audience", "restricted", query)
    restricted(kb)
    build_index(kb.root)  # incremental: restricted documents added
    after = {a: scores(kb.root, "--audience", a, query) for a in ("public", "internal")}
    assert after == before
    # the restricted audience's statistics do count them: the check above can see a change
    assert scores(kb.root, "--audience", "restricted", query)["KB-0001"] != wide_before["KB-0001"]
    build_index(kb.root, rebuild=True)
    assert {a: scores(kb.root, "--audience", a, query) for a in ("public", "internal")} == before
    doc(kb, "kb/vpn/more.md", "KB-0006", "VPN tunnel more", "internal", "VPN tunnel tunnel.")
    build_index(kb.root)  # an internal document does not move public scores either
    assert scores(kb.root, "--audience", "public", query) == before["public"]


def test_an_audience_like_a_smaller_one_is_written_once_and_follows_changes(
    kb: KnowledgeBaseFactory,
) -> None:
    public_and_internal(kb)
    build_index(kb.root)
    folder = kb.root / ".kb-index"
    internal, wide = live_generation(folder, "internal"), live_generation(folder, "restricted")
    assert internal is not None and wide is not None
    assert wide.resolve() == internal.resolve()  # no restricted document: the same index
    assert not list((folder / "restricted").glob("gen-*"))
    restricted(kb)
    build_index(kb.root)
    wide = live_generation(folder, "restricted")
    assert wide is not None and wide.parent == folder / "restricted"
    assert found(kb.root, "--restricted", "VPN") == PUBLIC | INTERNAL | RESTRICTED
    assert found(kb.root, "VPN") == PUBLIC | INTERNAL
    (kb.root / "kb/vpn/keys.md").unlink()
    (kb.root / "kb/vpn/odd.md").unlink()
    build_index(kb.root)
    assert found(kb.root, "--restricted", "VPN") == PUBLIC | INTERNAL
    assert search(kb.root, "--restricted", TYPO)["suggestion"] is None


def test_a_document_whose_visibility_narrows_leaves_the_wider_indexes(
    checkout: KnowledgeBaseFactory,
) -> None:
    build_index(checkout.root)
    path = checkout.root / "kb/vpn/client.md"
    path.write_text(path.read_text(encoding="utf-8").replace("public", "restricted"), "utf-8")
    build_index(checkout.root)
    assert found(checkout.root, "--audience", "public", "VPN") == {"KB-0001"}
    assert "KB-0002" not in found(checkout.root, "VPN")
    assert "KB-0002" in found(checkout.root, "--restricted", "VPN")


def test_words_of_a_document_that_narrows_leave_the_narrower_index_at_once(
    checkout: KnowledgeBaseFactory,
) -> None:
    """Red-team reproduction: a restricted document made public, indexed, made restricted
    again and indexed incrementally left its words in the public index's statistics (Whoosh
    keeps a deleted document's words until its segment merges): "did you mean" offered them
    and public scores differed from a rebuild."""
    root = checkout.root
    build_index(root)
    keys = root / "kb/vpn/keys.md"
    restricted_text = keys.read_text(encoding="utf-8")
    keys.write_text(
        restricted_text.replace("visibility: restricted", "visibility: public"), "utf-8"
    )
    build_index(root)
    assert search(root, "--audience", "public", TYPO)["suggestion"] == SECRET  # it was public
    keys.write_text(restricted_text, "utf-8")
    build_index(root)
    assert search(root, "--audience", "public", TYPO)["suggestion"] is None
    assert search(root, TYPO)["suggestion"] is None
    incremental = {a: scores(root, "--audience", a, "VPN tunnel") for a in ("public", "internal")}
    build_index(root, rebuild=True)
    assert incremental == {
        a: scores(root, "--audience", a, "VPN tunnel") for a in ("public", "internal")
    }


# -- kb serve -----------------------------------------------------------------------------


def client_for(root: Path, audience: str) -> TestClient:
    settings = ServeSettings(
        index_folder=str(root / ".kb-index"),
        analytics=str(root / "analytics.sqlite"),
        as_of=AS_OF.isoformat(),
        audience=audience,
    )
    return TestClient(create_app(settings))


def every_id(value: Any) -> set[str]:
    """Every KB-nnnn anywhere in an answer (keys and values), but the query it echoes."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "query"}
    text = json.dumps(value)
    return {f"KB-{n:04d}" for n in range(1, 10) if f"KB-{n:04d}" in text}


@pytest.mark.parametrize(
    "audience, visible",
    [("public", PUBLIC), ("internal", PUBLIC | INTERNAL)],
)
def test_the_api_answers_only_with_the_audience_s_documents(
    checkout: KnowledgeBaseFactory, audience: str, visible: set[str]
) -> None:
    build_index(checkout.root)
    client = client_for(checkout.root, audience)
    for query in ("VPN", "tunnel", "*", "visibility:restricted", "id:KB-0004", TYPO, SECRET):
        answer = client.get("/api/search", params={"q": query, "limit": 50})
        assert answer.status_code == 200, answer.text
        data = answer.json()
        assert every_id(data) <= visible, query
        assert data["suggestion"] is None or SECRET not in data["suggestion"]
        assert sum(data["facets"]["type"].values()) == data["total"] <= len(visible)
    assert client.get("/api/search", params={"q": "*"}).json()["total"] == len(visible)
    assert client.get("/api/health").json()["documents"] == len(visible)
    for doc_id in sorted(PUBLIC | INTERNAL | RESTRICTED):
        answer = client.get(f"/api/documents/{doc_id}")
        assert answer.status_code == (200 if doc_id in visible else 404), doc_id
        if doc_id in visible:
            assert every_id(answer.json()) <= visible
        opened = client.post("/api/opened", json={"query": "VPN", "id": doc_id})
        assert opened.status_code == (204 if doc_id in visible else 404), doc_id


def test_the_restricted_service_sees_everything(checkout: KnowledgeBaseFactory) -> None:
    build_index(checkout.root)
    client = client_for(checkout.root, "restricted")
    answer = client.get("/api/search", params={"q": "VPN", "limit": 50}).json()
    assert {r["id"] for r in answer["results"]} == PUBLIC | INTERNAL | RESTRICTED
    assert client.get("/api/search", params={"q": TYPO}).json()["suggestion"] == SECRET
    assert client.get("/api/documents/KB-0004").status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def _start(root: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "supportkb", "-C", str(root), "serve", "--workers", "1"),
            *("--port", str(port), "--as-of", AS_OF.isoformat(), *extra),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "health").close()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("kb serve did not answer: " + server.communicate()[1])


def _stop(server: subprocess.Popen[str]) -> str:
    server.send_signal(signal.SIGTERM)
    return server.communicate(timeout=30)[1]


def kb_build(root: Path, audience: str) -> None:
    result = CliRunner().invoke(
        cli, ["-C", str(root), "build", "--as-of", AS_OF.isoformat(), "--audience", audience]
    )
    assert result.exit_code == 0, result.output


def test_kb_serve_on_a_public_site_answers_only_with_public_documents(
    checkout: KnowledgeBaseFactory,
) -> None:
    kb_build(checkout.root, "public")
    marker = read_marker(checkout.root / "site")
    assert marker is not None and marker.audience == "public"
    build_index(checkout.root)
    server, base = _start(checkout.root)
    try:
        status, data = _get(base + "search?limit=50&q=VPN")
        assert status == 200 and {r["id"] for r in data["results"]} == PUBLIC
        assert every_id(data) <= PUBLIC and data["facets"]["type"] == {"article": 2}
        status, data = _get(base + "search?q=" + TYPO)
        assert data["suggestion"] is None
        assert _get(base + "documents/KB-0003")[0] == 404
        assert _get(base + "documents/KB-0004")[0] == 404
        status, data = _get(base + "documents/KB-0001")
        assert status == 200 and every_id(data) <= PUBLIC
        assert _get(base + "health")[1]["documents"] == 2
    finally:
        stderr = _stop(server)
    assert "public audience" in stderr


def test_kb_serve_refuses_a_site_without_its_audience_and_the_restricted_flag(
    checkout: KnowledgeBaseFactory,
) -> None:
    build_index(checkout.root)
    (checkout.root / "site").mkdir()
    (checkout.root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(checkout.root), "serve"])
    assert result.exit_code == 1 and "run `kb build --site-dir site`" in result.output
    result = CliRunner().invoke(cli, ["-C", str(checkout.root), "serve", "--restricted"])
    assert result.exit_code == 2 and "kb build --audience restricted" in result.output


def test_watch_rebuilds_the_site_for_its_own_audience(checkout: KnowledgeBaseFactory) -> None:
    kb_build(checkout.root, "public")
    build_index(checkout.root)
    site = checkout.root / "site"
    server, base = _start(checkout.root, "--watch")
    try:
        time.sleep(1)  # the watcher is running
        doc(checkout, "kb/vpn/new.md", "KB-0007", "VPN tunnel news", "internal", "Internal news.")
        doc(checkout, "kb/vpn/faq.md", "KB-0008", "VPN quokkaword", "public", "Public quokkaword.")
        deadline = time.time() + 90
        while time.time() < deadline and not (site / "kb/vpn/faq/index.html").is_file():
            time.sleep(0.5)
        assert (site / "kb/vpn/faq/index.html").is_file()  # rebuilt
        assert not (site / "kb/vpn/new/index.html").exists()
        assert not (site / "kb/vpn/gateway/index.html").exists()
        assert b"KB-0007" not in (site / "search/search_index.json").read_bytes()
        marker = read_marker(site)
        assert marker is not None and marker.audience == "public"
        _, data = _get(base + "search?q=quokkaword")
        assert {r["id"] for r in data["results"]} == {"KB-0008"}
        assert _get(base + "documents/KB-0007")[0] == 404
    finally:
        stderr = _stop(server)
    assert "rebuilding" in stderr


def test_an_audience_with_no_document_answers_empty(kb: KnowledgeBaseFactory) -> None:
    doc(kb, "kb/vpn/gateway.md", "KB-0003", "VPN tunnel gateway", "internal", "Gateway tunnel.")
    build_index(kb.root)
    client = client_for(kb.root, "public")
    for query in ("VPN", "*", "tunel", "type:article"):
        answer = client.get("/api/search", params={"q": query})
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == 0 and answer.json()["suggestion"] is None
    assert client.get("/api/documents/KB-0003").status_code == 404
    assert search(kb.root, "--audience", "public", "VPN")["total"] == 0


# -- the static site ------------------------------------------------------------------------


def build_site_for(root: Path, audience: str, site: Path) -> Result:
    arguments = ["-C", str(root), "build", "--as-of", AS_OF.isoformat(), "--no-strict"]
    return CliRunner().invoke(cli, [*arguments, "--audience", audience, "--site-dir", str(site)])


def every_byte(site: Path) -> bytes:
    """Every file of a built site, to look for what must not be there."""
    return b"".join(p.read_bytes() for p in site.rglob("*") if p.is_file())


def test_a_link_from_a_published_document_never_publishes_a_document_left_out(
    checkout: KnowledgeBaseFactory,
) -> None:
    """Red-team reproduction: a public document linking to an internal or restricted one got
    the linked document published as a page, in the static search index and the sitemap of a
    public build (a linked file was published like an image)."""
    links = "See [the gateway](gateway.md), [the keys](keys.md) and [odd](odd.md)."
    doc(checkout, "kb/vpn/reset.md", "KB-0001", "VPN tunnel reset", "public", links)
    root = checkout.root
    public = build_site_for(root, "public", root / "site")
    assert public.exit_code == 0, public.output
    site = root / "site"
    assert (site / "kb/vpn/reset/index.html").is_file()
    everything = every_byte(site)
    for left_out in (b"KB-0003", b"KB-0004", b"KB-0005", SECRET.encode()):
        assert left_out not in everything, left_out
    # the default (internal) build is strict: a link to a restricted page fails it, as the
    # README says, instead of publishing the page
    strict = CliRunner().invoke(cli, ["-C", str(root), "build", "--as-of", AS_OF.isoformat()])
    assert strict.exit_code == 1
    assert SECRET.encode() not in every_byte(site)


def test_a_page_of_docs_follows_its_visibility_too(checkout: KnowledgeBaseFactory) -> None:
    """Red-team reproduction: a page of docs/ that is not a document (no id) with
    `visibility: restricted` was published in a public build, page and static search index."""
    checkout.write("docs/ops.md", "---\nvisibility: restricted\n---\n# 機房密碼\n\nquokkasecret\n")
    checkout.write("docs/odd.md", "---\nvisibility: secret-ish\n---\n# 奇怪\n\nquokkaodd\n")
    checkout.write("docs/open.md", "---\nvisibility: public\n---\n# 公開\n\nquokkaopen\n")
    root = checkout.root
    for audience, shown in [("public", {b"quokkaopen"}), ("restricted", {b"quokkasecret"})]:
        site = root / f"site-{audience}"
        result = build_site_for(root, audience, site)
        assert result.exit_code == 0, result.output
        everything = every_byte(site)
        for word in (b"quokkaopen", b"quokkasecret", b"quokkaodd"):
            assert (word in everything) == (word in shown or audience == "restricted"), word

"""The backend's fields and codec write exactly what Whoosh's own would (postings, lengths,
statistics, stored fields): they only skip Whoosh's per-token and per-posting overhead."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportkb.search.backend.codec import Codec
from supportkb.search.backend.engine import POOL_MB, Engine
from supportkb.search.backend.fields import fields_of
from supportkb.search.indexing.entry import IndexEntry
from supportkb.search.indexing.index import build_index, open_engine, plain_text

from conftest import AS_OF, KnowledgeBaseFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def site(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    body = "# 印表機\n\n## 症狀\n印表機卡紙，列印佇列卡住。\n\n## 解決方法\n清除卡紙後重新列印。\n"
    kb.article("kb/printing/jam.md", body, id="KB-0001", title="印表機卡紙", owner="alice")
    kb.article("kb/printing/queue.md", body, id="KB-0002", title="列印佇列卡住", owner="alice")
    return kb


def test_the_indexed_text_field_gives_the_postings_whoosh_would() -> None:
    """`IndexedText` skips Whoosh's tokens: the same words, weights and positions."""
    from whoosh.fields import TEXT

    from supportkb.search.backend.fields import build_schema

    fast = build_schema()["body"]
    plain = TEXT(analyzer=fast.analyzer, stored=True, phrase=True)
    root = ROOT
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "kb").rglob("*.md"))]
    assert len(texts) > 10
    for text in texts:
        assert list(fast.index(text)) == list(plain.index(text))


def test_field_lengths_read_at_once_equal_whoosh_s(site: KnowledgeBaseFactory) -> None:
    from whoosh.codec.whoosh3 import W3PerDocReader

    from supportkb.search.backend.codec import PerDocReader

    build_index(site.root)
    engine = open_engine(site.root / ".kb-index")
    reader = engine._index.reader()
    segment = reader.leaf_readers()[0][0]._segment
    storage = reader.leaf_readers()[0][0]._storage
    ours, whoosh = PerDocReader(storage, segment), W3PerDocReader(storage, segment)
    count = segment.doc_count_all()
    for name in ("title", "body", "headings", "tags", "id"):
        for docnum in range(count + 1):
            assert ours.doc_field_length(docnum, name, -1) == whoosh.doc_field_length(
                docnum, name, -1
            )


@pytest.mark.parametrize("commas", [True, False])
@pytest.mark.parametrize("lowercase", [True, False])
def test_the_indexed_keyword_field_gives_the_postings_whoosh_would(
    commas: bool, lowercase: bool
) -> None:
    from whoosh.fields import KEYWORD

    from supportkb.search.backend.fields import IndexedKeyword

    fast = IndexedKeyword(lowercase=lowercase, commas=commas, scorable=True)
    plain = KEYWORD(lowercase=lowercase, commas=commas, scorable=True)
    values = [
        "vpn,network, VPN ,Network,,  , 網路,ERP 5.4",
        "applications,applications/erp",
        "Published",
        " a  b\tc\nd , e ",
        "",
    ]
    for value in values:
        assert list(fast.index(value)) == list(plain.index(value))


def test_the_codec_writes_what_whoosh_s_own_writes(tmp_path: Path) -> None:
    """`Codec` (lengths read at once, postings put in blocks directly): every posting list,
    its statistics and every stored field as Whoosh's W3 codec writes them."""
    from whoosh.codec.whoosh3 import W3Codec

    entries = _entries_of_the_repository()
    readers = []
    for name, codec in (("ours", Codec()), ("whoosh", W3Codec())):
        engine = Engine.create(tmp_path / name / "plain")
        writer = engine._index.writer(limitmb=POOL_MB, codec=codec)
        for entry in entries:
            writer.add_document(**fields_of(entry))
        writer.commit()
        readers.append(Engine.open(tmp_path / name / "plain")._index.reader())
    ours, whoosh = readers
    assert list(ours.all_terms()) == list(whoosh.all_terms())
    for fieldname, text in whoosh.all_terms():
        a, b = ours.term_info(fieldname, text), whoosh.term_info(fieldname, text)
        assert (a.weight(), a.doc_frequency(), a.min_length(), a.max_length()) == (
            b.weight(),
            b.doc_frequency(),
            b.min_length(),
            b.max_length(),
        )
        assert a.max_weight() == b.max_weight()
        assert _postings(ours, fieldname, text) == _postings(whoosh, fieldname, text)
    assert list(ours.all_stored_fields()) == list(whoosh.all_stored_fields())
    assert len(entries) > 20


def _postings(reader: object, fieldname: str, text: bytes) -> list[tuple[int, float, bytes]]:
    matcher = reader.postings(fieldname, text)  # type: ignore[attr-defined]
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def _entries_of_the_repository() -> list[IndexEntry]:
    """The repository's documents as entries (their text; the metadata varies by document)."""
    paths = sorted((ROOT / "kb").rglob("*.md")) + sorted((ROOT / "sops").rglob("*.md"))
    statuses = ("published", "draft", "in-review", "deprecated")
    return [
        IndexEntry(
            path=str(path.relative_to(ROOT)),
            id=f"KB-{n:04d}",
            title=path.stem.replace("-", " "),
            type=("article", "sop", "emergency-plan", "policy")[n % 4],
            status=statuses[n % len(statuses)],
            owner="network",
            owner_groups=("network", "it"),
            visibility="internal",
            headings=" ".join(line for line in text.splitlines() if line.startswith("#")),
            body=plain_text(text),
            tags=("vpn", "printing")[: n % 3],
            category="applications/erp" if n % 2 else "",
            last_reviewed=AS_OF if n % 3 else None,
            review_due=AS_OF if n % 5 else None,
        )
        for n, (path, text) in enumerate((p, p.read_text(encoding="utf-8")) for p in paths)
    ]

"""Files that are not regular files in the checkout: FIFOs, devices, links out of it.

Every command that could hang runs in a subprocess with a timeout, so that a regression fails
instead of blocking the test run.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from supportkb.documents.layout import discover, document_stamps

from conftest import TROUBLESHOOTING_BODY, KnowledgeBaseFactory, article_front

AS_OF = "2026-11-24"
GUARD_SECONDS = 300  # only against a hang: a command that works ends long before
MEMORY_CAP = 4 * 1024**3  # a reader without a limit fails here, not by starving the machine


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def kb_run(root: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """`kb -C root ARGS` in its own process, stopped (and the test failed) if it hangs."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "supportkb", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            timeout=GUARD_SECONDS,
            preexec_fn=_cap_memory,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"kb {' '.join(args)} did not finish: it hangs")
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.fixture
def fifo_kb(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    kb.article()
    os.mkfifo(kb.root / "kb/vpn/pipe.md")
    return kb


def test_check_reports_a_fifo_instead_of_blocking(fifo_kb: KnowledgeBaseFactory) -> None:
    done = kb_run(fifo_kb.root, "check", "--as-of", AS_OF, "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "kb/vpn/pipe.md: error [not-regular-file]" in done.stdout
    assert "Traceback" not in done.stderr


def test_index_leaves_a_fifo_out_instead_of_blocking(
    fifo_kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    done = kb_run(fifo_kb.root, "index", "--index-dir", str(tmp_path / "index"))
    assert done.returncode == 0, done.stderr
    assert "1 documents" in done.stdout or "1 document" in done.stdout


def test_build_leaves_fifos_out_instead_of_blocking(
    fifo_kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    fifo_kb.write("docs/index.md", "# Home\n")
    os.mkfifo(fifo_kb.root / "docs/pipe.md")
    os.mkfifo(fifo_kb.root / "docs/pipe.png")
    site = tmp_path / "site"
    done = kb_run(fifo_kb.root, "build", "--as-of", AS_OF, "--site-dir", str(site))
    assert done.returncode == 0, done.stderr
    assert (site / "kb/vpn/error-809/index.html").is_file()
    assert not list(site.rglob("pipe*"))


def test_new_is_not_blocked_by_a_fifo(fifo_kb: KnowledgeBaseFactory) -> None:
    done = kb_run(
        fifo_kb.root,
        "new",
        "article",
        "--kind",
        "faq",
        "--category",
        "vpn",
        "--title",
        "New",
        "--owner",
        "alice",
        "--date",
        AS_OF,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--as-of", AS_OF],
        ["codeowners"],
        ["review", "KB-0001", "--by", "alice", "--date", AS_OF],
    ],
)
def test_other_commands_are_not_blocked_by_a_fifo(
    fifo_kb: KnowledgeBaseFactory, command: list[str]
) -> None:
    done = kb_run(fifo_kb.root, *command)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr


def test_a_link_to_a_device_is_never_read(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    (kb.root / "kb/vpn/zero.md").symlink_to("/dev/zero")
    done = kb_run(kb.root, "check", "--as-of", AS_OF, "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "kb/vpn/zero.md: error [file-outside-checkout]" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_huge_file_is_not_read_beyond_the_limit(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    with open(kb.root / "kb/vpn/huge.md", "wb") as handle:
        handle.truncate(2 * MEMORY_CAP)  # sparse: 8 GB that take no disk, and no time unread
    done = kb_run(kb.root, "check", "--as-of", AS_OF, "--no-cache")
    assert "kb/vpn/huge.md: error [file-too-large]" in done.stdout, done.stderr


def test_a_document_linked_from_outside_the_checkout_is_a_finding(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb.article()
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "secret.md"
    elsewhere.write_text((kb.root / "kb/vpn/error-809.md").read_text().replace("0001", "0009"))
    (kb.root / "kb/vpn/secret.md").symlink_to(elsewhere)
    (kb.root / "kb/vpn/alias.md").symlink_to("error-809.md")  # inside: a document like any
    done = kb_run(kb.root, "check", "--as-of", AS_OF, "--no-cache")
    assert "kb/vpn/secret.md: error [file-outside-checkout]" in done.stdout
    assert "alias.md: error [file-" not in done.stdout
    assert "alias.md:" in done.stdout  # read: its id is the same as error-809.md's
    assert "KB-0009" not in done.stdout
    assert set(document_stamps(kb.root)) == {"kb/vpn/error-809.md", "kb/vpn/alias.md"}


def test_a_link_out_of_the_checkout_is_never_published(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    secret = tmp_path_factory.mktemp("etc") / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    body = "# VPN\n\n## 症狀\nx\n\n## 原因\ny\n\n## 解決方法\nSee [the log](passwd.txt).\n"
    kb.article(body=body)
    (kb.root / "kb/vpn/passwd.txt").symlink_to(secret)
    kb.write("docs/index.md", "# Home\n")
    (kb.root / "docs/passwd.txt").symlink_to(secret)
    (kb.root / "docs/etc").symlink_to(secret.parent, target_is_directory=True)
    checked = kb_run(kb.root, "check", "--as-of", AS_OF, "--no-cache")
    assert "kb/vpn/error-809.md:19: error [link-broken]" in checked.stdout
    site = tmp_path / "site"
    done = kb_run(kb.root, "build", "--as-of", AS_OF, "--site-dir", str(site), "--no-strict")
    assert done.returncode == 0, done.stderr
    assert (site / "kb/vpn/error-809/index.html").is_file()
    published = [p for p in site.rglob("*") if p.is_file() and b"root:x:0" in p.read_bytes()]
    assert published == []
    # the theme's own files live where it is installed, outside this checkout: still published
    assert list(site.glob("assets/javascripts/bundle.*.min.js"))
    assert list(site.glob("assets/stylesheets/main.*.min.css"))


def test_files_from_a_device_or_a_fifo_is_a_usage_error(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.article()
    assert kb_run(kb.root, "check", "--files-from", "/dev/zero").returncode == 2
    os.mkfifo(tmp_path / "list")
    done = kb_run(kb.root, "check", "--files-from", str(tmp_path / "list"))
    assert done.returncode == 2 and "named pipe" in done.stderr


def test_files_from_standard_input_is_read_and_bounded(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    listed = kb_run(
        kb.root, "check", "--as-of", AS_OF, "--files-from", "-", stdin=b"kb/vpn/error-809.md\n"
    )
    assert listed.returncode == 0 and "1 document checked" in listed.stdout, listed.stderr
    flood = kb_run(kb.root, "check", "--files-from", "-", stdin=b"\0" * (17 * 1024 * 1024))
    assert flood.returncode == 2 and "Traceback" not in flood.stderr


def test_the_reader_looks_before_it_opens(tmp_path: Path) -> None:
    from supportkb.system.safe_read import NotRegularFile, OutsideCheckout, TooLarge, read_regular

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotRegularFile):
        read_regular(str(tmp_path / "pipe"), 10)  # a FIFO opened for reading would block
    (tmp_path / "link").symlink_to("/dev/null")
    with pytest.raises(OutsideCheckout):
        read_regular(str(tmp_path / "link"), 10, (str(tmp_path),))
    with pytest.raises(NotRegularFile):
        read_regular(str(tmp_path / "link"), 10)
    (tmp_path / "big").write_bytes(b"x" * 11)
    with pytest.raises(TooLarge):
        read_regular(str(tmp_path / "big"), 10)
    assert read_regular(str(tmp_path / "big"), 11) == b"x" * 11


def test_discovery_still_lists_what_check_must_report(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    os.mkfifo(tmp_path / "kb/pipe.md")
    assert [location.path for location in discover(tmp_path)] == ["kb/pipe.md"]
    assert document_stamps(tmp_path) == {}


@pytest.mark.parametrize(
    "hostile",
    [
        "x: &a [*a]",  # a value that contains itself: RecursionError where it is expanded
        "\n".join(  # an alias bomb: 10**8 values once expanded
            [f"a0: &a0 [{', '.join(['x'] * 10)}]"]
            + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 8)]
        ),
    ],
)
def test_a_linked_document_with_aliases_does_not_stop_the_build(
    kb: KnowledgeBaseFactory, tmp_path: Path, hostile: str
) -> None:
    """Red-team reproduction: a document whose front-matter `kb check` refuses (aliases) was
    still published when another document linked to it, and MkDocs expanded its aliases:
    the build ran out of memory, or died with a RecursionError traceback."""
    kb.article(body=TROUBLESHOOTING_BODY + "\n見 [另一篇](bomb.md)。\n")
    kb.document("kb/vpn/bomb.md", article_front(id="KB-0002") + "\n" + hostile, "# bomb\n")
    kb.write("docs/index.md", "# Home\n")
    site = tmp_path / "site"
    done = kb_run(kb.root, "build", "--as-of", AS_OF, "--site-dir", str(site), "--no-strict")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (site / "kb/vpn/error-809/index.html").is_file()
    assert not (site / "kb/vpn/bomb").exists()

"""bench/dev_corpus.py: a documentation repository's pages, read from its git directory, become
a knowledge base that loads: each FAQ question an article titled by it with its answer, every
other page a distractor titled by its first heading, ids in a fixed order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

import dev_corpus
from supportkb.documents.source import read_source
from supportkb.workspace.knowledge_base import load_knowledge_base

FAQ_PAGE = """\
|description||
|---|---|
|keywords||

# 产品 FAQ

## 内存 FAQ

### 内存上限是否可以动态调整？

可以通过调整 `memory_limit` 动态实现，详见 [配置项](../700.reference/memory_limit.md)。

<main id="notice" type='explain'>
  <h4>说明</h4>
  <p>调整前要检查内存资源是否足够。</p>
</main>

#### 注意事项

调整后无需重启。

### 为什么会自动切主?

Leader 发现 Follower 优先级更高时会切主。

```bash
## 这不是问题?
grep election observer.log
```

## 其他说明

这一节不是问题，留在页面的其余部分。
"""

OTHER_PAGE = """\
# 部署概述

<!-- 内部注释 -->
OceanBase 数据库支持多种部署方式。
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def docs_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "docs-repo"
    (repo / "zh-CN/800.FAQ").mkdir(parents=True)
    (repo / "zh-CN/400.deploy").mkdir(parents=True)
    (repo / "zh-CN/800.FAQ/100.products-faq.md").write_text(FAQ_PAGE, encoding="utf-8")
    (repo / "zh-CN/400.deploy/100.overview.md").write_text(OTHER_PAGE, encoding="utf-8")
    (repo / "README.md").write_text("# not under zh-CN\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "docs")
    return repo / ".git"


def test_faq_questions_become_articles_and_other_pages_distractors(
    docs_repo: Path, tmp_path: Path
) -> None:
    corpus = dev_corpus.build_corpus(docs_repo, tmp_path / "kb")
    kb = load_knowledge_base(corpus.root, use_cache=False)
    by_id = {document.id: document for document in kb.documents}
    titles = {document.title for document in kb.documents}
    assert titles == {"内存上限是否可以动态调整？", "为什么会自动切主?", "产品 FAQ", "部署概述"}
    assert (corpus.questions, corpus.distractors) == (2, 2)

    page = "zh-CN/800.FAQ/100.products-faq.md"
    memory = by_id[corpus.answers[f"{page}#内存上限是否可以动态调整？"]]
    assert memory.title == "内存上限是否可以动态调整？"
    body = (corpus.root / memory.path).read_text(encoding="utf-8")
    assert "memory_limit" in body and "无需重启" in body  # the answer, with its sub-section
    assert "切主" not in body  # ends at the next question
    assert "<main" not in body and "> **说明** 调整前要检查内存资源是否足够。" in body
    assert "](../" not in body and "详见 配置项。" in body  # a link to another page: its text

    leader = (corpus.root / by_id[corpus.answers[f"{page}#为什么会自动切主?"]].path).read_text(
        encoding="utf-8"
    )
    assert "## 这不是问题?" in leader  # a heading inside a code block is no question

    other = next(d for d in kb.documents if d.title == "部署概述")
    source, _ = read_source(other.path, (corpus.root / other.path).read_bytes())
    assert source is not None and "内部注释" not in source.body
    findings = [f for result in kb.files.values() for f in result.findings]
    assert not [f.code for f in findings if f.severity == "error"]


def test_ids_follow_the_pages_paths_and_do_not_change(docs_repo: Path, tmp_path: Path) -> None:
    first = dev_corpus.build_corpus(docs_repo, tmp_path / "one")
    second = dev_corpus.build_corpus(docs_repo, tmp_path / "two")
    assert first.answers == second.answers
    assert sorted(first.answers.values()) == ["KB-00002", "KB-00003"]  # after 400.deploy


def test_a_folder_that_is_not_a_git_directory_is_refused_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        dev_corpus.build_corpus(tmp_path, tmp_path / "kb")
    assert "not a git directory" in str(exit_info.value)


def test_the_query_files_answer_keys_become_ids_and_an_unknown_key_is_refused(
    tmp_path: Path,
) -> None:
    import search_quality

    queries = tmp_path / "queries.yml"
    queries.write_text(
        "queries:\n  - q: 记忆体 上限 调整\n    kind: sc\n    answer: [page.md#上限？]\n",
        encoding="utf-8",
    )
    (judgement,) = search_quality.dev_judgements(queries, {"page.md#上限？": "KB-00007"})
    assert (judgement.text, judgement.relevant) == ("记忆体 上限 调整", ("KB-00007",))
    with pytest.raises(SystemExit) as exit_info:
        search_quality.dev_judgements(queries, {"page.md#其他？": "KB-00001"})
    assert "name no FAQ question" in str(exit_info.value)

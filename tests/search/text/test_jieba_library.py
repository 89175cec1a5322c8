"""rjieba's class, loaded from its compiled extension without the package's `__init__`, is
rjieba's own and cuts as the package does (with the same words)."""

from __future__ import annotations

import subprocess
import sys

from supportkb.search.text.jieba_library import extension_file, jieba_class, whole_jieba

TEXT = "同仁回报打印机一直卡纸，重新启动打印队列服务后仍无法打印。"

ALONE = """
import sys
from supportkb.search.text.jieba_library import jieba_class
jieba = jieba_class().empty()
jieba.add_word("打印机", 5000, "")
print([w for w, _, _ in jieba.tokenize("打印机卡纸", "default", True)][0])
print("rjieba" in sys.modules)
"""


def test_the_class_loads_without_the_package() -> None:
    done = subprocess.run([sys.executable, "-c", ALONE], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["打印机", "False"]  # the whole dictionary was not built


def test_the_class_is_rjieba_s_own_and_cuts_as_the_package_does() -> None:
    loaded = jieba_class()
    package = whole_jieba()
    assert extension_file().parent.name == "rjieba"
    assert loaded.__name__ == package.Jieba.__name__ == "Jieba"
    assert loaded is jieba_class()  # loaded once
    whole = loaded()  # the class with the whole dictionary, as the package's default
    assert list(whole.tokenize(TEXT, "default", True)) == list(
        package.tokenize(TEXT, "default", True)
    )

"""A jieba dictionary that knows Traditional Chinese words, for the static site's search.

jieba's PyPI package ships a dictionary of mostly Simplified words, so Material's search cuts
依緊急應變計畫 into 依緊|急應|變計. This module converts the shipped dictionary with OpenCC
(`s2twp`: Simplified to Taiwan Traditional, phrases included) and adds a small list of
IT-support words (`data/it-terms.zh-TW.txt`). Only the Traditional dictionary is kept: it is no
bigger than jieba's own, so loading it costs no more. The result is cached per user.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from supportkb.system.atomic import write_atomic
from supportkb.workspace.cache import cache_directory

USER_TERMS = "it-terms.zh-TW.txt"


def traditional_dictionary() -> Path:
    """Path of the merged dictionary (built on first use, then read from the cache)."""
    import jieba
    import opencc

    source = Path(jieba.__file__).parent / "dict.txt"
    stamp = f"2|{getattr(jieba, '__version__', '')}|{opencc.__file__}|{source.stat().st_size}"
    target = (
        cache_directory() / f"jieba-zh-hant-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.txt"
    )
    if target.is_file():
        return target
    text = source.read_text(encoding="utf-8")
    converted = opencc.OpenCC("s2twp").convert(text)
    words: dict[str, tuple[int, str]] = {}
    for line in converted.splitlines():  # the knowledge base is Traditional: one dictionary
        parts = line.split(" ")
        if len(parts) >= 2 and parts[1].isdigit():
            word, count, tag = parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "x"
            if word not in words or words[word][0] < count:
                words[word] = (count, tag)
    body = "".join(f"{word} {count} {tag}\n" for word, (count, tag) in words.items())
    write_atomic(target, body.encode("utf-8"), durable=False)
    return target


def user_terms() -> Path:
    """The IT-support word list shipped with supportkb (a file, for jieba's load_userdict)."""
    return Path(str(resources.files("supportkb").joinpath("data", USER_TERMS)))

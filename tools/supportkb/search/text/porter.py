"""The Porter stemmer, as Whoosh (`whoosh.lang.porter`, whoosh-reloaded 2.7.5) implements it.

Copied so that stemming is a plain function of `search/text`, used alike by the index (through
the backend's tokenizer) and by the related documents, without importing Whoosh. A backend
test asserts it stems as Whoosh's does, word for word.

Copyright 2007 Matt Chaput (BSD two-clause licence, as Whoosh): redistribution and use in
source and binary forms, with or without modification, are permitted provided that the
copyright notice and this condition are retained. The software is provided "as is", without
warranty of any kind.
"""

from __future__ import annotations

import re

_STEP2_SUFFIXES = {
    "ational": "ate",
    "tional": "tion",
    "enci": "ence",
    "anci": "ance",
    "izer": "ize",
    "bli": "ble",
    "alli": "al",
    "entli": "ent",
    "eli": "e",
    "ousli": "ous",
    "ization": "ize",
    "ation": "ate",
    "ator": "ate",
    "alism": "al",
    "iveness": "ive",
    "fulness": "ful",
    "ousness": "ous",
    "aliti": "al",
    "iviti": "ive",
    "biliti": "ble",
    "logi": "log",
}
_STEP3_SUFFIXES = {
    "icate": "ic",
    "ative": "",
    "alize": "al",
    "iciti": "ic",
    "ical": "ic",
    "ful": "",
    "ness": "",
}

_CONSONANT = "[^aeiou]"
_VOWEL = "[aeiouy]"
_CONSONANTS = "[^aeiouy]+"
_VOWELS = "[aeiou]+"

_MEASURE_ABOVE_0 = re.compile("^(" + _CONSONANTS + ")?" + _VOWELS + _CONSONANTS)
_MEASURE_1 = re.compile("^(" + _CONSONANTS + ")?" + _VOWELS + _CONSONANTS + "(" + _VOWELS + ")?$")
_MEASURE_ABOVE_1 = re.compile(
    "^(" + _CONSONANTS + ")?" + _VOWELS + _CONSONANTS + _VOWELS + _CONSONANTS
)
_HAS_VOWEL = re.compile("^(" + _CONSONANTS + ")?" + _VOWEL)
_CVC = re.compile("^" + _CONSONANTS + _VOWEL + "[^aeiouwxy]$")

_ED_ING = re.compile("^(.*)(ed|ing)$")
_AT_BL_IZ = re.compile("(at|bl|iz)$")
_STEP1B = re.compile("([^aeiouylsz])\\1$")
_STEP2 = re.compile(
    "^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism"
    "|iveness|fulness|ousness|aliti|iviti|biliti|logi)$"
)
_STEP3 = re.compile("^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$")
_STEP4_1 = re.compile(
    "^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$"
)
_STEP4_2 = re.compile("^(.+?)(s|t)(ion)$")
_STEP5 = re.compile("^(.+?)e$")


def stem(w: str) -> str:
    """An English word without its suffixes: `fundamentally` -> `fundament`."""
    if len(w) < 3:
        return w
    first_is_y = w[0] == "y"
    if first_is_y:
        w = "Y" + w[1:]
    # step 1a
    if w.endswith("s"):
        if w.endswith("sses") or w.endswith("ies"):
            w = w[:-2]
        elif w[-2] != "s":
            w = w[:-1]
    # step 1b
    if w.endswith("eed"):
        if _MEASURE_ABOVE_0.match(w[:-3]):
            w = w[:-1]
    else:
        found = _ED_ING.match(w)
        if found:
            base = found.group(1)
            if _HAS_VOWEL.match(base):
                w = base
                if _AT_BL_IZ.match(w):
                    w += "e"
                elif _STEP1B.match(w):
                    w = w[:-1]
                elif _CVC.match(w):
                    w += "e"
    # step 1c
    if w.endswith("y") and _HAS_VOWEL.match(w[:-1]):
        w = w[:-1] + "i"
    # steps 2 and 3
    for pattern, suffixes in ((_STEP2, _STEP2_SUFFIXES), (_STEP3, _STEP3_SUFFIXES)):
        found = pattern.match(w)
        if found and _MEASURE_ABOVE_0.match(found.group(1)):
            w = found.group(1) + suffixes[found.group(2)]
    # step 4
    found = _STEP4_1.match(w)
    if found:
        if _MEASURE_ABOVE_1.match(found.group(1)):
            w = found.group(1)
    else:
        found = _STEP4_2.match(w)
        if found and _MEASURE_ABOVE_1.match(found.group(1) + found.group(2)):
            w = found.group(1) + found.group(2)
    # step 5
    found = _STEP5.match(w)
    if found:
        base = found.group(1)
        if _MEASURE_ABOVE_1.match(base) or (_MEASURE_1.match(base) and not _CVC.match(base)):
            w = base
    if w.endswith("ll") and _MEASURE_ABOVE_1.match(w):
        w = w[:-1]
    if first_is_y:
        w = "y" + w[1:]
    return w

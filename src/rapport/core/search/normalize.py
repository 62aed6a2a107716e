"""Text normalization shared by the index and the query, and the terms a query is split into.

Both sides go through :func:`normalize`, so 華為 finds 华为, "Győr" finds "Gyor" and "ＡＢＣ"
finds "abc": full-width to half-width (NFKC), Traditional to Simplified Chinese (OpenCC
``t2s``), case folding, and Latin/Greek/Cyrillic diacritics stripped (NFKD, drop the marks).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Scripts written without spaces: CJK ideographs (with extensions and compatibility forms),
# kana and Hangul syllables. Their 1–2 character terms are served by the gram index.
_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f"
CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_HAS_CJK = re.compile(f"[{_CJK_CLASS}]")
_ONLY_CJK = re.compile(f"[{_CJK_CLASS}]+\\Z")
# Combining diacritics of alphabetic scripts; kana voicing marks (U+3099/309A) are kept.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPACE = re.compile(r"\s+")
# Letters that carry their "accent" without a decomposition.
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SUBSTRING_MIN = 3  # the trigram indexes serve terms of three or more characters


@cache
def _t2s():
    """OpenCC's converter and the characters that can change under it.

    Converting is the slow step (~30k names/s), and most Simplified text has nothing to
    convert: a text is converted only when it holds a character some dictionary entry changes.
    """
    import os

    import opencc

    changing: set[str] = set()
    folder = os.path.join(os.path.dirname(opencc.__file__), "dictionary")
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            for line in handle:
                key, _tab, values = line.rstrip("\n").partition("\t")
                value = values.split(" ")[0]
                if not value or value == key:
                    continue
                if len(key) == len(value):
                    changing.update(a for a, b in zip(key, value, strict=True) if a != b)
                else:
                    changing.update(key)
    return opencc.OpenCC("t2s").convert, frozenset(changing)


def to_simplified(text: str) -> str:
    convert, changing = _t2s()
    if changing.isdisjoint(text):
        return text
    return convert(text)


def normalize(text) -> str:
    """The searchable form of ``text``: one line, folded for case, width, script and accents."""
    if not text:
        return ""
    text = str(text)
    if text.isascii():  # the common case (numbers, e-mail, Latin names): only case and spaces
        return _SPACE.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKC", text)
    if _HAS_CJK.search(text):
        text = to_simplified(text)
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFKD", text))).translate(_FOLD)
    return _SPACE.sub(" ", text).strip()


def cjk_grams(normalized: str) -> set[str]:
    """Character unigrams and bigrams of every CJK run of an already normalized text."""
    grams: set[str] = set()
    for run in CJK_RUN.findall(normalized):
        grams.update(run)
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
    return grams


def is_cjk(term: str) -> bool:
    return bool(_ONLY_CJK.match(term))


@dataclass(frozen=True)
class Term:
    """One normalized query term and the index that serves it.

    ``substring``: three or more characters, any script — the trigram index (FTS5 / pg_trgm).
    ``gram``: one or two CJK characters — the gram index.
    ``short``: one or two other characters — no index can serve them alone: they match as a
    prefix of the name when the query has nothing else, else as a substring of the candidates.
    """

    text: str
    kind: str


def parse_query(text) -> list[Term]:
    """Split a query into normalized terms (whitespace-separated, every term must match)."""
    normalized = normalize((text or "")[:MAX_QUERY_LENGTH])
    terms: list[Term] = []
    for word in dict.fromkeys(normalized.split(" ")):
        if not word:
            continue
        if len(word) >= SUBSTRING_MIN:
            kind = "substring"
        elif is_cjk(word):
            kind = "gram"
        else:
            kind = "short"
        terms.append(Term(word, kind))
        if len(terms) == MAX_TERMS:
            break
    return terms

"""Highlighted snippets: the part of a text where the query's clauses sit closest, as safe HTML.

A query's clauses become one regular expression over the text as stored (NFC), each folded
letter standing for all its accented forms, so a 7 kB body is scanned in C without folding
it, and the scan stops at the first window that holds every clause.
"""

import re
from collections import Counter
from functools import lru_cache
from html import escape

from portal.searching.analysis import ABBREVIATIONS, FOLD, normalize, stem

WIDTH = 220  # characters in a snippet, about 40 Vietnamese syllables
_EDGE = re.compile(r"\s")
_JOINER = r"[\s./\-]*"
_DIGITS = re.compile(r"\d+")
_VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵdđ"


def _variants():
    """{folded letter: character class of its Vietnamese forms} (case is ignored)."""
    found = {}
    for ch in _VIETNAMESE:
        found.setdefault(ch.translate(FOLD), []).append(ch)
    return {base: "[" + "".join(chars) + "]" for base, chars in found.items()}


_LETTER = _variants()


def _word(word, loose=False):
    """A pattern for a folded word in unfolded text; `loose` lets code joiners in between."""
    letters = [_LETTER.get(ch, re.escape(ch)) for ch in word]
    return (_JOINER if loose else "").join(letters)


def _clause(words, code, english):
    if not code and len(words) == 1 and words[0] in ABBREVIATIONS:  # UBND or Ủy ban nhân dân
        full = ABBREVIATIONS[words[0]].split()
        return f"{_word(words[0])}|" + r"[^\w]+".join(_word(w) for w in full)
    if code or (len(words) > 1 and any(ch.isdigit() for w in words for ch in w)):
        return _JOINER.join(_word(w) for w in words)
    if any(ch.isdigit() for ch in words[0]):
        return _word(words[0], loose=True)  # 0768221221 also matches 0768.221.221
    if english:  # "registering" marks "registration": the stem and what follows it
        return r"[^\w]+".join(_word(stem(w)) + r"[^\W_]*" for w in words)
    return r"[^\w]+".join(_word(w) for w in words)


@lru_cache(maxsize=256)
def _pattern(clauses):
    """One pattern for all clauses, group i+1 matching clause i, longest clauses first."""
    order = sorted(range(len(clauses)), key=lambda i: -len(" ".join(clauses[i][0])))
    body = "|".join(f"(?P<c{i}>{_clause(*clauses[i])})" for i in order)
    return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])", re.IGNORECASE)


def matches(text, clauses, width=WIDTH, english=False):
    """(start, end, clause index) of clause matches, up to the first window holding all."""
    key = tuple((tuple(c.words), bool(c.code), english) for c in clauses)
    wanted = len(set(key))
    numbers = [_DIGITS.findall(" ".join(words)) for words, _, _ in key]
    if all(numbers) and not any(n[:4] in text for found in numbers for n in found):
        return []  # codes and numbers are found (or not) with a plain substring search
    out, window = [], Counter()
    first = 0
    for m in _pattern(key).finditer(text):
        clause = int(m.lastgroup[1:])
        out.append((m.start(), m.end(), key.index(key[clause])))
        window[out[-1][2]] += 1
        while out[first][0] < m.start() - width * 3 // 4:
            window[out[first][2]] -= 1
            if not window[out[first][2]]:
                del window[out[first][2]]
            first += 1
        if len(window) == wanted:
            break
    return out


def snippet(text, clauses, width=WIDTH, english=False):
    """HTML-escaped text around the best cluster of clause matches, each in <mark>."""
    text = normalize(text)
    hits = matches(text, clauses, width, english)
    start = _best_start(hits, width)
    if start:
        space = _EDGE.search(text, start, start + 30)
        start = space.end() if space else start
    end = min(len(text), start + width)
    if end < len(text):
        space = _EDGE.search(text, end, end + 30)
        end = space.start() if space else end
    parts, at = ["…"] if start else [], start
    for a, b, _ in hits:
        if a >= at and b <= end:
            parts += [escape(text[at:a]), f"<mark>{escape(text[a:b])}</mark>"]
            at = b
    parts.append(escape(text[at:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts).strip()


def _best_start(hits, width):
    """Where the window holding the most distinct clauses (then the most matches) starts."""
    if not hits:
        return 0
    best, best_score, window, j = 0, -1, Counter(), 0
    for a, _, clause in hits:  # a window sliding over the hits
        while j < len(hits) and hits[j][0] < a + width * 3 // 4:
            window[hits[j][2]] += 1
            j += 1
        score = len(window) * 1000 + window.total()
        if score > best_score:
            best, best_score = a, score
        window[clause] -= 1
        if not window[clause]:
            del window[clause]
    return max(0, best - width // 5)

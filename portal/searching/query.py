"""What a visitor typed, as clauses, Whoosh queries and a "did you mean" suggestion.

No Whoosh query syntax reaches the user: quotes make phrases, codes are recognised, every
other character is a plain word or a separator, so no input can make a query fail.
"""

import re
from dataclasses import dataclass

from whoosh.analysis import STOP_WORDS
from whoosh.query import And, Or, Term

from portal.searching.analysis import (
    bigram,
    canonical,
    code_spans,
    compact_code,
    fold,
    normalize,
    phrase_terms,
    spans,
    stem,
    tokens,
)

MAX_QUERY_CHARS = 400
MAX_CLAUSES = 10
# How many English index terms one query stem may stand for (`regist` → `registr` …).
EXPANSIONS = 6
# A suggested word must be in at least this many documents.
MIN_SUGGESTED_DF = 2

_QUOTE = re.compile(r"[\"“”„]([^\"“”„]*)[\"“”„]")
_QUOTE_CHAR = re.compile(r"[\"“”„]")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Clause:
    """One thing every result should hold: a word, a quoted phrase or a code."""

    text: str  # as typed (NFC): what `missing_terms` shows
    kind: str  # "word", "phrase" or "code"
    words: list[str]  # folded words
    exact: str | None = None  # an accented word in canonical form
    code: str | None = None  # a code without joiners
    joined: bool = False  # a word right after another word: their bigram counts


def parse(text, lang="vi"):
    """The clauses of a query, in the order typed (at most MAX_CLAUSES)."""
    text = normalize(text)[:MAX_QUERY_CHARS]
    folded = fold(text)
    found = []

    def blank(start, end):
        nonlocal folded
        folded = folded[:start] + " " * (end - start) + folded[end:]

    for m in _QUOTE.finditer(folded):
        words = tokens(m.group(1))
        if words:
            kind = "phrase" if len(words) > 1 else "word"
            found.append((m.start(), Clause(text[m.start(1) : m.end(1)].strip(), kind, words)))
        blank(m.start(), m.end())
    folded = _QUOTE_CHAR.sub(" ", folded)  # an unbalanced quote is a separator
    for start, end in code_spans(folded):
        code = compact_code(folded[start:end])
        found.append((start, Clause(text[start:end], "code", tokens(folded[start:end]), code=code)))
        blank(start, end)
    for start, end, word in spans(folded):
        typed = text[start:end]
        exact = canonical(typed) if fold(typed) != typed.lower() else None
        found.append((start, Clause(typed, "word", [word], exact=exact)))
    found.sort(key=lambda item: item[0])

    clauses, seen, previous_end = [], set(), None
    for start, clause in found:
        key = (clause.kind, tuple(clause.words), clause.exact)
        if key in seen and clause.kind != "word":
            continue  # a repeated word stays: "nuôi con nuôi" needs its bigram "con nuôi"
        seen.add(key)
        if clauses and clause.kind == "word" and clauses[-1].kind == "word":
            clause.joined = previous_end is not None and not folded[previous_end:start].strip()
        previous_end = start + len(clause.text)
        clauses.append(clause)
    if lang == "en":
        clauses = _without_stop_words(clauses) or clauses
    return clauses[:MAX_CLAUSES]


def _without_stop_words(clauses):
    """English clauses without stop words; a word stays joined only to the word it followed."""
    kept = []
    for before, clause in zip([None, *clauses], clauses, strict=False):
        if clause.kind == "word" and clause.words[0] in STOP_WORDS:
            continue
        if clause.joined and (not kept or kept[-1] is not before):
            clause.joined = False  # "the birth", "birth of children": no bigram across a gap
        kept.append(clause)
    return kept


def _phrase(fieldname, words):
    """Adjacent words as the terms they are indexed as (a phrase of one word is that word)."""
    terms = phrase_terms(words)
    return (
        Term(fieldname, terms[0]) if len(terms) == 1 else And([Term(fieldname, t) for t in terms])
    )


class Builder:
    """The query each clause requires (for its mask); `reader` expands English stems."""

    def __init__(self, reader, lang):
        self.reader = reader
        self.lang = lang

    def required(self, clause):
        """The query a document must match to hold the clause (a code: as written)."""
        if clause.kind == "code":
            return Term("text", clause.code)
        q = _phrase("text", clause.words)
        if self.lang == "en":
            stems = [stem(w) for w in clause.words if w not in STOP_WORDS] or clause.words
            if len(stems) == 1:
                en = Or([Term("text_en", t) for t in self.expand(stems[0])])
            else:
                en = _phrase("text_en", stems)
            q = Or([q, en])
        return q

    def loose(self, clause):
        """A code's parts anywhere (`61/2018` finds `61/2018/NĐ-CP`), when it is nowhere whole."""
        return _phrase("text", clause.words)

    def expand(self, stemmed):
        """English index terms that share a stem's beginning (`regist` → `registr`)."""
        if len(stemmed) <= 4:
            return [stemmed]
        found = set()
        for btext in self.reader.expand_prefix("text_en", stemmed[:-1]):
            term = btext.decode("utf-8")
            if " " not in term:
                found.add(term)
            if len(found) > 4 * EXPANSIONS:
                break
        found.add(stemmed)
        ranked = sorted(
            found, key=lambda t: (t != stemmed, -self.reader.doc_frequency("text_en", t))
        )
        return ranked[:EXPANSIONS]


def edits(word):
    """Words one edit away (delete, swap, replace, insert), letters only."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return out


def suggest(clauses, reader):
    """The query with misspelt words replaced by the index's likeliest words, or None.

    Unknown words are corrected first, preferring corrections that form known bigrams with
    their neighbours; then known words that form no known bigram with their neighbours.
    """

    def df(term):
        return reader.doc_frequency("text", term)

    words = [c.words[0] if c.kind == "word" else None for c in clauses]
    fixed = list(words)

    def fit(word, i):
        """(documents holding it next to its known neighbours, documents holding it)."""
        before = fixed[i - 1] if clauses[i].joined else None
        after = fixed[i + 1] if i + 1 < len(clauses) and clauses[i + 1].joined else None
        together = sum(
            df(pair)
            for pair, neighbour in (
                (bigram(before or "", word), before),
                (bigram(word, after or ""), after),
            )
            if neighbour and df(neighbour)
        )
        return together, df(word)

    def has_neighbours(i):
        return clauses[i].joined or (i + 1 < len(clauses) and clauses[i + 1].joined)

    for unknown in (True, False):
        for i, word in enumerate(words):
            if word is None or len(word) < 3 or (df(word) == 0) != unknown:
                continue
            current = fit(word, i)
            if not unknown and (current[0] or not has_neighbours(i)):
                continue
            candidates = [(fit(w, i), w) for w in edits(word) if df(w) >= MIN_SUGGESTED_DF]
            best = max(candidates, default=None)
            if best and best[0] > current and (unknown or best[0][0]):
                fixed[i] = best[1]
    if fixed == words:
        return None
    return " ".join(f if f != w else c.text for c, w, f in zip(clauses, words, fixed, strict=True))

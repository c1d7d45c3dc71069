"""Ranking by integer scores summed in bit slices over masks: BM25-like, at C speed.

A result's score is a sum of weighted features, each a mask of documents: the clause's
word in the text (present, then three BM25 occurrence levels), in the title, accent for
accent in the title, next to its neighbour as typed (a bigram) in the text or the title.
A feature weighs its term's IDF times a boost, in quarter points. The scores of all
candidates are summed at once as bit planes (plane p holds the documents whose score has
bit p set), a few hundred big-integer operations however many documents match; the best
come out by splitting the candidates plane by plane, highest first.
"""

from itertools import pairwise

from whoosh.analysis import STOP_WORDS

from portal.searching.analysis import bigram, pairs, stem
from portal.searching.masks import members

SCALE = 4  # quarter points
# Boosts (checked against tests/search_relevance.json); a word in the text weighs its IDF.
LEVEL_STEPS = (0.3, 0.35, 0.3)  # added at each of masks.LEVELS (one occurrence ≈ 1)
TITLE = 3.0
EXACT = 2.0
BIGRAM = 1.5
TITLE_BIGRAM = 3.0
CODE = 4.0


def features(view, clauses, builder):
    """[(mask, weight)] of what makes a document relevant to the clauses."""
    out = []

    def add(fieldname, text, boost, levels=False):
        bits = view.term(fieldname, text)
        if bits:
            weight = boost * view.idf(fieldname, text)
            out.append((bits, weight))
            if levels:
                out.extend(
                    (m, weight * step)
                    for m, step in zip(view.levels(fieldname, text), LEVEL_STEPS, strict=True)
                )

    for previous, clause in zip([None, *clauses], clauses, strict=False):
        adjacent = pairs(clause.words)
        if clause.kind == "code" or _numeric(clause):
            # Numbers and codes: a title or codes-field occurrence weighs TITLE_WEIGHT in the
            # text, which its levels tell apart; no second lookup in the title field.
            add("text", clause.code or clause.words[0], CODE, levels=True)
        elif clause.kind == "phrase":
            for pair in adjacent:
                add("text", pair, 1.0, levels=True)
                add("title", pair, TITLE_BIGRAM)
        else:
            add("text", clause.words[0], 1.0, levels=True)
            add("title", clause.words[0], TITLE)
            if clause.exact:
                add("title", clause.exact, EXACT)
        if clause.joined:
            pair = bigram(previous.words[-1], clause.words[0])
            add("text", pair, BIGRAM, levels=True)
            add("title", pair, TITLE_BIGRAM)
        if builder.lang == "en" and clause.kind != "code":
            stems = [stem(w) for w in clause.words if w not in STOP_WORDS]
            for term in builder.expand(stems[0]) if len(stems) == 1 else []:
                add("text_en", term, 1.0, levels=True)
                add("title_en", term, TITLE)
            for a, b in pairwise(stems):
                add("text_en", bigram(a, b), BIGRAM)
                add("title_en", bigram(a, b), TITLE_BIGRAM)
    return out


def _numeric(clause):
    """A word with a digit in it: a number, or a code typed without joiners (`529QĐUBND`)."""
    return clause.kind == "word" and any(ch.isdigit() for ch in clause.words[0])


def planes(weighted, candidates):
    """The candidates' summed scores as bit planes."""
    out = []
    for bits, weight in weighted:
        bits &= candidates
        points = round(weight * SCALE)
        shift = 0
        while bits and points:
            if points & 1:  # add `bits` at this power of two, carrying upwards
                carry, p = bits, shift
                while carry:
                    while p >= len(out):
                        out.append(0)
                    plane = out[p]
                    out[p] = plane ^ carry
                    carry &= plane
                    p += 1
            points >>= 1
            shift += 1
    return out


def best(scores, candidates, limit):
    """Up to `limit` (score, document) of the candidates, best first, ties by document."""
    found = []

    def split(group, p, prefix):
        if len(found) >= limit or not group:
            return
        if p < 0:
            found.extend((prefix / SCALE, d) for d in members(group, limit - len(found)))
            return
        split(group & scores[p], p - 1, prefix | 1 << p)
        split(group & ~scores[p], p - 1, prefix)

    split(candidates, len(scores) - 1, 0)
    return found


def best_partial(required, candidates):
    """Among candidates, the documents holding the most clauses (at least one)."""
    exactly = [candidates]  # exactly[j]: candidates holding exactly j clauses so far
    for bits in required:
        nxt = [0] * (len(exactly) + 1)
        for j, have in enumerate(exactly):
            nxt[j] |= have & ~bits
            nxt[j + 1] |= have & bits
        exactly = nxt
    for j in range(len(required) - 1, 0, -1):
        if exactly[j]:
            return exactly[j]
    return 0

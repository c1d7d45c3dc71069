"""Vietnamese and English text analysis: normalising, folding and the terms we index and query.

Vietnamese text becomes folded terms (lower case, no diacritics, `đ` as `d`):
- syllables: `đăng ký` → `dang`, `ky`;
- syllable bigrams within a phrase: `dang ky`, so adjacent syllables match one rare term;
- compact codes: `5568/QĐ-BCA` → `5568qdbca`, `0768.221.221` → `0768221221`;
- in titles also the exact syllables, tone mark in one canonical place (`hoà`, `hòa` → `hòa`),
  so an accented query can rank exact matches first.
English text becomes Porter stems and stem bigrams, without stop words.

The field classes at the end are pickled into the index with this module's dotted path:
keep it `portal.searching.analysis`, or rebuild the index after moving them.
"""

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import pairwise, repeat

from whoosh.analysis import STOP_WORDS
from whoosh.fields import FieldType
from whoosh.formats import Existence
from whoosh.lang.porter import stem as porter_stem

# Bump when the terms a text gets change: an index built by an older analysis is rebuilt by
# the next `flask search sync` (1: until abbreviations were indexed both ways).
ANALYSIS_VERSION = 2
MARKS = re.compile("[\u0300-\u036f]")
_TOKEN = re.compile(r"[^\W_]+")
_TOKEN_WITH_MARKS = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
# Bigrams never span punctuation or a line break: "khai sinh, đăng ký" has no "sinh dang".
_PHRASE_BREAK = re.compile(r"[,;:!?()\[\]{}\"“”«»|\n\r\t]+|\.(?:\s|$)")
# A code joins parts with . / - (spaces allowed around a slash) and holds a digit: 1.001193,
# 8952/UBND-NC, 61/2018/NĐ-CP, 0768.221.221, KQ.G15.000031. Found on folded text from its
# first digit (fast), then extended back over letters and joiners.
_CODE_TAIL = re.compile(r"\d[^\W_]*(?:(?:[./\-]|\s*/\s*)[^\W_]+)+")
_CODE_HEAD = re.compile(r"(?:[^\W_]+[./\-])*[^\W_]*$")
_DIGIT = re.compile(r"\d")
_CODE_JOINERS = re.compile(r"[\s./\-]+")

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_MODIFIED_VOWELS = "ăâêôơư"
_VOWELS = "aeiouy" + _MODIFIED_VOWELS


def _fold_table():
    """A one-character-for-one table: Latin letters to lower case without marks, đ to d."""
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        base = "".join(
            ch for ch in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(ch)
        ).lower()
        if len(base) == 1 and base != chr(code):
            table[code] = base
    for ch in "đĐðÐ":
        table[ord(ch)] = "d"
    return table


FOLD = _fold_table()


def normalize(text):
    """Text in NFC, the form everything is indexed and searched in."""
    return unicodedata.normalize("NFC", text or "")


def fold(text):
    """NFC text in lower case without diacritics, `đ` as `d`, character for character.

    The result has the same length as `normalize(text)`, so spans found in it point at the
    same characters of the normalised text (for highlighting). Combining marks left over
    after NFC stay in place; `tokens()` drops them.
    """
    folded = normalize(text).translate(FOLD)
    if not folded.isascii():
        lowered = folded.lower()
        if len(lowered) == len(folded):
            folded = lowered
    return folded


def spans(folded):
    """(start, end, token) for every word of folded text."""
    if MARKS.search(folded):
        return [
            (m.start(), m.end(), MARKS.sub("", m.group()))
            for m in _TOKEN_WITH_MARKS.finditer(folded)
            if MARKS.sub("", m.group())
        ]
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]


def tokens(folded):
    """The words of folded text."""
    if MARKS.search(folded):
        return [w for w in (MARKS.sub("", t) for t in _TOKEN_WITH_MARKS.findall(folded)) if w]
    return _TOKEN.findall(folded)


def bigram(a, b):
    """The single index term for two adjacent words."""
    return a + " " + b


def pairs(words, numbers=True):
    """Bigrams of adjacent words, except those with a number (codes cover numbers)."""
    if not numbers:  # the caller knows there is no digit: the common, fast case
        return [a + " " + b for a, b in pairwise(words)]
    return [a + " " + b for a, b in pairwise(words) if not (a[0].isdigit() or b[0].isdigit())]


def phrase_terms(words):
    """The terms a document holding the words in a row must hold: bigrams and numbers."""
    if len(words) == 1:
        return list(words)
    return pairs(words) + [w for w in words if w[0].isdigit()]


def compact_code(folded):
    """A code without its joiners: `8952 / ubnd-nc` → `8952ubndnc`."""
    return _CODE_JOINERS.sub("", folded)


def code_spans(folded):
    """(start, end) of the codes in folded text."""
    out = []
    for m in _CODE_TAIL.finditer(folded):
        start = m.start()
        if start and (folded[start - 1].isalnum() or folded[start - 1] in "./-"):
            head = _CODE_HEAD.search(folded, max(0, start - 40), start)
            start = head.start() if head else start
        if not out or start >= out[-1][1]:
            out.append((start, m.end()))
    return out


def codes(folded):
    """Compact forms of the codes in folded text."""
    return [compact_code(folded[a:b]) for a, b in code_spans(folded)]


@lru_cache(maxsize=65536)
def canonical(word):
    """A lower-case syllable with its tone mark in the traditional place: `hoà` → `hòa`.

    Words that are not one Vietnamese syllable with one tone mark come back unchanged
    (apart from NFC and lower case).
    """
    word = normalize(word).lower()
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    start = 2 if bare[:2] in ("qu", "gi") and bare[2:3] in _VOWELS else 0
    vowels = [i for i in range(start, len(bare)) if bare[i] in _VOWELS]
    if not vowels or vowels[-1] - vowels[0] + 1 != len(vowels):
        return word  # no vowel, or vowels in two places: not one Vietnamese syllable
    modified = [i for i in vowels if bare[i] in _MODIFIED_VOWELS]
    if modified:
        at = modified[-1]  # ươ → ơ
    elif len(vowels) == 3:
        at = vowels[1]  # oai → a
    elif len(vowels) == 2:
        at = vowels[1] if vowels[-1] + 1 < len(bare) else vowels[0]  # hoàn, but hòa
    else:
        at = vowels[0]
    marked = unicodedata.normalize("NFC", bare[at] + tones[0])
    return bare[:at] + marked + bare[at + 1 :]


def exact_words(text):
    """The accented words of text in canonical form (words without marks are left out)."""
    words = _TOKEN.findall(normalize(text).lower())
    return [canonical(w) for w in words if not w.isascii()]


# Abbreviations that officials write and citizens type, folded, with the words they stand
# for: a document holding either form is indexed under both (see abbreviation_terms).
ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "tthc": "thu tuc hanh chinh",
    "cchc": "cai cach hanh chinh",
    "gcn": "giay chung nhan",
    "qsdd": "quyen su dung dat",
    "cmnd": "chung minh nhan dan",
    "cccd": "can cuoc cong dan",
    "bhxh": "bao hiem xa hoi",
    "bhyt": "bao hiem y te",
    "gplx": "giay phep lai xe",
    "dkkd": "dang ky kinh doanh",
    "mttq": "mat tran to quoc",
    "tnhh": "trach nhiem huu han",
    "vpdkdd": "van phong dang ky dat dai",
    "ldtbxh": "lao dong thuong binh va xa hoi",
    "gtvt": "giao thong van tai",
    "khdt": "ke hoach va dau tu",
    "tnmt": "tai nguyen va moi truong",
}
_EXPANDED = {tuple(full.split()): short for short, full in ABBREVIATIONS.items()}
_EXPANSION_STARTS = {full[:2]: len(full) for full in _EXPANDED}
_SHORT = frozenset(ABBREVIATIONS)
_FIRST_PAIRS = frozenset(bigram(*full[:2]) for full in _EXPANDED)


def abbreviation_terms(part, words, bigrams):
    """Extra terms for a phrase holding an abbreviation or the words it stands for.

    "UBND xã" also gets `uy`, `ban`, `nhan`, `dan`, their bigrams and `dan xa`; "Ủy ban nhân
    dân xã" also gets `ubnd` and `ubnd xa`. An abbreviation inside a code (`QĐ-UBND`) is
    the code's, not a body's name: it is left alone.
    """
    extra = []
    if _SHORT.intersection(words):
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(part)]
        for i, word in enumerate(words):
            if word not in _SHORT:
                continue
            start, end = spans[i]
            if part[start - 1 : start] in ("-", "/") or part[end : end + 1] in ("-", "/"):
                continue
            full = ABBREVIATIONS[word].split()
            extra += full + pairs(full, False)
            if i:
                extra.append(bigram(words[i - 1], full[0]))
            if i + 1 < len(words):
                extra.append(bigram(full[-1], words[i + 1]))
    if _FIRST_PAIRS.intersection(bigrams):
        for i in range(len(words) - 1):
            size = _EXPANSION_STARTS.get((words[i], words[i + 1]))
            short = size and _EXPANDED.get(tuple(words[i : i + size]))
            if short:
                extra.append(short)
                if i:
                    extra.append(bigram(words[i - 1], short))
                if i + size < len(words):
                    extra.append(bigram(short, words[i + size]))
    return extra


def vietnamese_terms(folded, exact_text=None):
    """Index terms of folded text: words, bigrams within phrases, compact codes, and the
    other form of abbreviations (`ubnd` ↔ `uy ban nhan dan`)."""
    if MARKS.search(folded):
        folded = MARKS.sub("", folded)
    terms = []
    for part in _PHRASE_BREAK.split(folded):
        words = _TOKEN.findall(part)
        if words:
            terms += words
            bigrams = pairs(words, _DIGIT.search(part) is not None)
            terms += bigrams
            if not _SHORT.isdisjoint(words) or not _FIRST_PAIRS.isdisjoint(bigrams):
                terms += abbreviation_terms(part, words, bigrams)
    terms += codes(folded)
    if exact_text is not None:
        terms += exact_words(exact_text)
    return terms


@lru_cache(maxsize=65536)
def stem(word):
    """The Porter stem of an English word."""
    return porter_stem(word)


def english_terms(text):
    """Index terms of English text: stems, stem bigrams within phrases, compact codes."""
    folded = fold(text)
    terms = []
    for words in _PHRASE_BREAK.split(folded):
        stems = [stem(w) for w in tokens(words) if w not in STOP_WORDS]
        terms.extend(stems)
        terms += pairs(stems)
    terms.extend(codes(folded))
    return terms


class WeightedTextField(FieldType):
    """A scored field whose value is a list of (text, weight) parts, analysed when indexed.

    Terms of a part weigh `weight` times one occurrence (BM25F-style: a title word counts
    as several body words before saturation). Analysis runs inside `index()`, so the
    sub-processes of a multi-process writer share it.
    """

    def __init__(self, exact=False):
        self.format = Existence()  # weights live in the posting blocks; no values needed
        self.analyzer = None
        self.scorable = True
        self.stored = False
        self.unique = False
        self.vector = None
        self.exact = exact
        self.set_sortable(False)

    def terms(self, text):
        """Index terms of one part."""
        return vietnamese_terms(fold(text), text if self.exact else None)

    def postings(self, value):
        """(distinct terms as bytes, their frequencies, their weights) of a field value."""
        every, heavy = [], []
        for text, weight in value:
            if text:
                terms = self.terms(text)
                every += terms
                if weight > 1:
                    heavy += terms * (int(weight) - 1)
        freqs = Counter(every)
        counts = list(freqs.values())
        if heavy:
            extra = Counter(heavy)
            weights = [float(n + extra.get(t, 0)) for t, n in freqs.items()]
        else:
            weights = list(map(float, counts))
        return list(map(str.encode, freqs)), counts, weights

    def index(self, value, **kwargs):
        """(term bytes, frequency, weight, encoded frequency) for each distinct term."""
        terms, counts, weights = self.postings(value)
        return list(zip(terms, counts, weights, repeat(b""), strict=False))

    def self_parsing(self):
        return True


class EnglishTextField(WeightedTextField):
    """A `WeightedTextField` of English text: stems and stem bigrams."""

    def terms(self, text):
        return english_terms(text)

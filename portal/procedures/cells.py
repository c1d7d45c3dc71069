"""The national pages' cells as text: blanks collapsed, lists split, tables cut at their marks."""

import re
import unicodedata


def clean(value, multiline=False):
    """NFC text with blanks collapsed (lines kept if multiline); None if empty or "no info"."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value))
    if multiline:
        text = "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))
    else:
        text = " ".join(text.split())
    return None if not text or text.casefold() == "không có thông tin" else text


def split_list(text, unique=True):
    """Split "A, B; C" into names; a piece starting in lower case continues the previous one.

    Repeats are dropped unless `unique` is false."""
    items = []
    for piece in filter(None, map(clean, re.split(r"[,;\n](?![^()]*\))", text or ""))):
        if items and piece[0].islower():
            items[-1] += ", " + piece
        else:
            items.append(piece)
    return dedupe(items) if unique else items


def dedupe(items):
    """Drop repeats (ignoring case), keeping the first spelling and the order."""
    kept = {}
    for item in items:
        kept.setdefault(item.casefold(), item)
    return list(kept.values())


def cut(text, pattern):
    """The text before the first match, then a (match, text up to the next match) pair each."""
    marks = list(pattern.finditer(text))
    if not marks:
        return text, []
    ends = [mark.start() for mark in marks[1:]] + [len(text)]
    pairs = [(mark, text[mark.end() : end]) for mark, end in zip(marks, ends, strict=True)]
    return text[: marks[0].start()], pairs

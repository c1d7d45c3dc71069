"""The "Hình thức nộp" table of a national record: each channel's time, fee and note.

The page glues the cells together ("Trực tuyến120,000 VNĐ(…)"); parse_channels cuts them
back only where the record says how, and keeps the source's words where it does not. The
summaries (fee_said, fee_summary, time_summary) say what the channels say, per channel
where they differ.
"""

import re

from portal.procedures.cells import clean, cut

CHANNEL_HEAD = "Hình thức nộpThời gianPhí, lệ phíMô tả"
CHANNEL_KINDS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
CHANNEL_NAMES = {kind: name for name, kind in CHANNEL_KINDS.items()}
# A channel row starts with its kind glued to the time cell; prose has a space or a colon.
CHANNEL_RE = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=Không|\d)")
CURRENCY = r"(VNĐ|Việt Nam Đồng|đồng|USD)"
MONEY = rf"([\d.,]+) ?{CURRENCY}"
TIME_RE = re.compile(
    r"Không có thông tin|(\d+(?:[.,]\d+)?)(?: (Ngày làm việc|Ngày|Giờ|Tháng|Năm))?"
    rf"|Không[^\n]{{0,60}}?(?=Miễn phí|Không có thông tin|{MONEY})"
)
TIME_WORDS = re.compile(r"(\d+(?:[.,]\d+)?)(?: (Ngày làm việc|Ngày|Giờ|Tháng|Năm))?")
TIME_UNITS = {
    "ngày làm việc": (1, True),
    "ngày": (1, False),
    "giờ": (1 / 24, False),
    "tháng": (30, False),
    "năm": (365, False),
}  # (days per unit, working days)
FEE_RE = re.compile(rf"Miễn phí|Không có thông tin|{MONEY}")
NOTE_RE = re.compile(r"\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)")  # up to three levels deep


def parse_channels(text):
    """The "Hình thức nộp" table as channel dicts, and whether it was cut cleanly."""
    body = text.removeprefix(CHANNEL_HEAD)
    head, rows = cut(body, CHANNEL_RE)
    # Times the other rows state apart from their fee: a clue for a row that glues them.
    times = {
        time.group(1)
        for _, cell in rows
        if (time := TIME_RE.match(cell)) and time.group(1) and not GLUED_RE.match(cell)
    }
    channels = [parse_channel(CHANNEL_KINDS[mark.group(1)], cell, times) for mark, cell in rows]
    complete = body != text and rows and not head.strip() and all(ok for _, ok in channels)
    return [channel for channel, _ in channels], not text or bool(complete)


def parse_channel(kind, cell, times=()):
    """One channel row after its kind: time, fee with its (note), description.

    `unit_stated` is False for a time the source gives without its unit ("3"). A time glued
    to the amount ("120,000 VNĐ") is split only where the record says how (see
    split_glued); otherwise `as_published` keeps the source's words and both stay unknown.
    """
    channel = {
        "kind": kind,
        "time_text": None,
        "unit_stated": None,
        "days": None,
        "working_days": None,
        "fee_text": None,
        "fee_vnd": None,
        "as_published": None,
        "description": None,
    }
    if glued := GLUED_RE.match(cell):
        return _glued_channel(channel, cell, glued, times)
    time = TIME_RE.match(cell)
    rest = cell[time.end() :] if time else cell
    if time and time.group(0) != "Không có thông tin":
        channel["time_text"] = time.group(0)
        channel["unit_stated"] = bool(time.group(2)) if time.group(1) else None
    if time and time.group(2) and float(time.group(1).replace(",", ".")) > 0:
        per_unit, channel["working_days"] = TIME_UNITS[time.group(2).casefold()]
        channel["days"] = round(float(time.group(1).replace(",", ".")) * per_unit, 3)
    fee = FEE_RE.match(rest)
    ok = bool(time and fee)
    if fee:
        note = NOTE_RE.match(rest, fee.end())
        end = note.end() if note else fee.end()
        if fee.group(0) != "Không có thông tin":
            channel["fee_text"] = clean(fee.group(0) + " " + rest[fee.end() : end])
        if fee.group(0) == "Miễn phí":
            channel["fee_vnd"] = 0
        elif fee.group(1) and fee.group(2) != "USD" and time:
            channel["fee_vnd"] = fee_vnd(
                int(re.sub(r"\D", "", fee.group(1)) or 0), rest[fee.end() : end]
            )
            ok = ok and channel["fee_vnd"] is not None
        rest = rest[end:]
    channel["description"] = clean(rest, multiline=True)
    return channel, ok


# A time without its unit glued to an amount: "120,000 VNĐ" (1 + 20,000), "1100 VNĐ".
GLUED_RE = re.compile(rf"(\d[\d.,]*) ?{CURRENCY}")
WHOLE_TIME = re.compile(r"[1-9]\d{0,2}")  # a time given without its unit: 1 to 999
AMOUNT = re.compile(r"0|[1-9]\d{0,2}(?:([.,])\d{3}(?:\1\d{3})*)?|[1-9]\d*")
NOTED_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
CHARGED = re.compile(r"\d{1,3}(?:[.,]\d{3})+ ?(?:VNĐ|vnđ|[Đđ]ồng|đ\b|Đ\b)")


def split_glued(digits, note, times=()):
    """(time, amount text, amount in đồng) for digits that glue a time to an amount, or None.

    Every way to cut the digits into a whole time and a well-formed amount is a candidate.
    The record decides: an amount its fee note states (in đồng, or in thousands as some
    pages write it: "120 VNĐ (20.000 vnđ/tờ khai)"), else a time another row states, else
    the only candidate. An amount under 1,000 đồng is taken only if the note confirms it.
    """
    noted = {int(re.sub(r"\D", "", n)) for n in NOTED_AMOUNT.findall(note)}
    candidates = []
    for cut_at in range(1, len(digits)):
        time, amount = digits[:cut_at], digits[cut_at:]
        if WHOLE_TIME.fullmatch(time) and AMOUNT.fullmatch(amount):
            value = int(re.sub(r"\D", "", amount))
            confirmed = value if value in noted else value * 1000 if value * 1000 in noted else None
            candidates.append((time, amount, value, confirmed))
    by_note = [c for c in candidates if c[3] is not None]
    if len(by_note) == 1:
        time, amount, _, confirmed = by_note[0]
        return time, amount, confirmed
    plausible = [c for c in candidates if c[2] >= 1000]
    by_time = [c for c in plausible if c[0] in times]
    for chosen in (by_time, plausible if len(candidates) == 1 else []):
        if len(chosen) == 1:
            time, amount, value, _ = chosen[0]
            return time, amount, value
    return None


def _glued_channel(channel, cell, glued, times):
    note = NOTE_RE.match(cell, glued.end())
    end = note.end() if note else glued.end()
    note_text = note.group(0) if note else ""
    split = split_glued(glued.group(1), note_text, times) if glued.group(2) != "USD" else None
    if split is None:
        channel["as_published"] = clean(cell[:end])
    else:
        time, amount, value = split
        channel.update(time_text=time, unit_stated=False, fee_vnd=value)
        channel["fee_text"] = clean(f"{amount} {glued.group(2)} {note_text}")
    channel["description"] = clean(cell[end:], multiline=True)
    return channel, split is not None


def fee_vnd(amount, note):
    """The amount in đồng; None if implausibly small and the note does not explain it."""
    if amount >= 1000:
        return amount
    # Some pages count in thousands ("150 VNĐ (150.000 đồng/lần)"): trust a note that agrees.
    noted = {int(re.sub(r"\D", "", n)) for n in re.findall(r"\d{1,3}(?:[.,]\d{3})+", note)}
    return amount * 1000 if amount * 1000 in noted else None


def fee_summary(channels):
    """The fee for lists and exports, in the source's words: one text when every channel
    says the same, else each channel's ("Trực tuyến: Miễn phí; Trực tiếp: 1500 VNĐ")."""
    said = {}
    for channel in channels:
        if words := _fee_words(channel):
            said.setdefault(words, []).append(CHANNEL_NAMES[channel["kind"]])
    if len(said) <= 1:
        return next(iter(said), None)
    return "; ".join(f"{', '.join(kinds)}: {words}" for words, kinds in said.items())


def charged_despite_free(channel):
    """For "Miễn phí" whose note charges ("50.000 đồng/giấy"): the fee text with its note.

    A note whose brackets do not balance is not read whole: the amounts may then open the
    description, and are looked for there too.
    """
    text = channel.get("fee_text") or ""
    if channel.get("fee_vnd") != 0:
        return None
    if NOTED_AMOUNT.search(text):
        return text
    description = channel.get("description") or ""
    # "Miễn phí(a) … 30.000.000 đồng": the note's first bracket was read as the whole note.
    if CHARGED.search(description[:400]):
        return clean(f"{text} {description[:200]}…")
    return None


def time_summary(channels):
    """The processing time for exports, in the source's words and units, named per channel
    where they differ ("Trực tuyến: 1 Giờ; Trực tiếp: 3 (không ghi đơn vị)")."""
    said = {}
    for channel in channels:
        words = channel.get("as_published") or channel.get("time_text")
        if words and channel.get("unit_stated") is False:
            words += " (không ghi đơn vị)"
        if words:
            said.setdefault(_short(words), []).append(CHANNEL_NAMES[channel["kind"]])
    if len(said) <= 1:
        return next(iter(said), None)
    return "; ".join(f"{', '.join(kinds)}: {words}" for words, kinds in said.items())


def fee_said(channel):
    """What a channel says of its fee, as (what, value), or None when it says nothing.

    `what`: "as_published" (a cell not read apart), "charged" ("Miễn phí" whose note
    charges: the text with its note), "free", "amount" (đồng), or "text" (words the portal
    cannot read as an amount). The summary box and the stored fee summary both read this.
    """
    text, amount = channel.get("fee_text"), channel.get("fee_vnd")
    if channel.get("as_published"):
        return "as_published", channel["as_published"]
    if charged := charged_despite_free(channel):
        return "charged", charged
    if amount == 0:
        return "free", None
    if amount:
        return "amount", amount
    return ("text", text) if text else None


def _fee_words(channel):
    said = fee_said(channel)
    if said is None:
        return None
    what, value = said
    if what == "free":
        return "Miễn phí"
    if what == "amount":
        return f"{value:,}".replace(",", ".") + " đồng"
    return _short(value.split(" (")[0] if what == "text" else value)


def _short(text, limit=120):
    return text if len(text) <= limit else text[: limit - 1] + "…"

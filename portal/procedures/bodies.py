"""Who a national record names, and which of them are the directory's agencies.

A record names four kinds of "agency": this province's bodies ("Sở Tư pháp", which is the
directory's "Sở Tư pháp tỉnh Cà Mau"), national bodies ("Cục Hàng không Việt Nam"), a
level's role or a description ("Ủy ban nhân dân cấp xã" is every commune's; "Cơ quan có
thẩm quyền"), and another province's bodies ("Sở Tư pháp Thành phố Hà Nội"). Only the first
two are agencies of the directory; the others stay the record's words on its page.
"""

import re

import sqlalchemy as sa
from flask import current_app

from portal.models import Agency, AgencyAlias, Level, db, unique_slug
from portal.procedures.provinces import another_province
from portal.text import fold

# A level's role, not one body: "Ủy ban nhân dân cấp xã", "UBND xã, phường, thị trấn",
# "Công an cấp xã", "Bảo hiểm xã hội cấp huyện" (matched on keys, see key()).
_LEVEL_ROLE = re.compile(
    r"\bcap (?:xa|huyen)\b|\bxa, phuong, thi tran\b|\bcac cap\b|\bcap tuong duong\b"
    r"|^(?:uy ban nhan dan|chu tich uy ban nhan dan|cong an) (?:xa|huyen|phuong)$"
)
# A description of whoever it is: "Cơ quan có thẩm quyền", "Các cơ quan, tổ chức liên quan",
# "Tổ chức hành nghề công chứng", "Bộ, cơ quan ngang Bộ", "Cơ quan khác".
_DESCRIPTION = re.compile(
    r"^(?:co quan|cac co quan|don vi|cac don vi|to chuc|cac to chuc|co so|cac co so|bo, |"
    r"chu dau tu|dai dien chu so huu)\b"
)


def key(name):
    """A name as compared: folded, "UBND" spelled out, hyphens spaced, no final full stop,
    no parent ministry after a hyphen ("Cục Thuế - Bộ Tài chính" is "Cục Thuế")."""
    folded = fold(name or "").rstrip(" .")
    folded = re.sub(r"\bubnd\b", "uy ban nhan dan", folded)
    folded = re.sub(r"\s*-\s*", " - ", folded)
    folded = re.sub(r" - bo [^-]+$", "", folded)
    return " ".join(folded.split())


def key_with_parent(name):
    """key() keeping the parent ministry: "cuc thue - bo tai chinh"."""
    return " ".join(re.sub(r"\s*-\s*", " - ", fold(name or "").rstrip(" .")).split())


def kind(name, home):
    """ "body", "role" (a level's role or a description) or "other_province"."""
    named = key(name)
    if another_province(name, home):
        return "other_province"
    if _DESCRIPTION.match(named):
        return "role"
    if _provincial(named) != named:
        return "body"  # "Ủy ban nhân dân cấp tỉnh" is this province's People's Committee
    return "role" if _LEVEL_ROLE.search(named) else "body"


def _provincial(named):
    """A national name for "the province's X" as this province's X would be keyed without
    its suffix: "ủy ban nhân dân cấp tỉnh" → "uy ban nhan dan", "sở tài chính các tỉnh,
    thành phố" → "so tai chinh"."""
    for suffix in (
        " cap tinh",
        " cac tinh, thanh pho truc thuoc trung uong",
        " tinh, thanh pho truc thuoc trung uong",
        " cac tinh, thanh pho",
        " tinh, thanh pho",
        " tinh va thanh pho truc thuoc trung uong",
        " tinh",
    ):
        if named.endswith(suffix):
            return named[: -len(suffix)]
    return named


class AgencyMatcher:
    """Finds the directory's agency for a name in a national record, or creates it.

    National records say "Sở Tư pháp"; the directory says "Sở Tư pháp tỉnh Cà Mau". Names are
    compared as keys, with and without the province's name; a body "cấp tỉnh" is the
    province's own. A role or another province's body is no agency: get() returns None.
    """

    def __init__(self, agencies=None):
        """Over the whole directory and its aliases, or over `agencies` alone."""
        self.home = current_app.config["PROVINCE_NAME_VI"]
        self.suffix = " " + key(self.home)
        self.by_key = {}
        for agency in db.session.scalars(sa.select(Agency)) if agencies is None else agencies:
            self.remember(agency)
        if agencies is None:
            # A name an admin merged into another agency (`flask agencies merge`) finds it.
            for alias in db.session.scalars(sa.select(AgencyAlias)):
                self.by_key.setdefault(key(alias.name_vi), alias.agency)

    def remember(self, agency):
        named = key(agency.name_vi)
        self.by_key.setdefault(named, agency)
        self.by_key.setdefault(_provincial(named), agency)  # "Công an cấp tỉnh" = "Công an tỉnh"
        for suffix in (self.suffix, " tinh" + self.suffix):
            if named.endswith(suffix):
                self.by_key.setdefault(named[: -len(suffix)], agency)

    def find(self, name):
        """The directory's agency for name, if it has one."""
        named = key(name)
        return self.by_key.get(named) or self.by_key.get(_provincial(named))

    def get(self, name):
        if kind(name, self.home) != "body":
            return None
        agency = self.find(name)
        if agency is None:
            agency = Agency(name_vi=name, slug=unique_slug(Agency, name), level=guess_level(name))
            db.session.add(agency)
            self.remember(agency)
        return agency


def guess_level(name):
    """The level of a body named in a national record, from the usual Vietnamese names."""
    folded = key(name)
    if "cap xa" in folded or folded.startswith(("uy ban nhan dan xa", "cong an xa")):
        return Level.COMMUNE
    if "cap huyen" in folded or "huyen" in folded.split()[:4]:
        return Level.DISTRICT
    # A national body's regional branch ("Chi cục Kiểm dịch thực vật vùng I", "Kho bạc Nhà
    # nước khu vực"), a body "of Việt Nam", "quốc gia" or under a ministry ("… - Bộ Tài chính").
    national = re.search(
        r"\b(?:vung|khu vuc|mien|phia (?:bac|nam))\b|\bquoc gia\b|viet nam$", folded
    )
    if (
        national
        or " - bo " in f" {key_with_parent(name)} "
        or folded.startswith(
            (
                "bo ",
                "cuc ",
                "tong cuc",
                "ngan hang nha nuoc",
                "chinh phu",
                "thu tuong",
                "vu ",
                "toa an nhan dan toi cao",
                "quoc hoi",
                "chu tich nuoc",
                "van phong chinh phu",
                "thanh tra bo",
                "thanh tra ngan hang nha nuoc",
                "bao hiem xa hoi viet nam",
            )
        )
    ):
        return Level.MINISTRY
    return Level.PROVINCE


def named_bodies(procedure, role):
    """The bodies a procedure's record names in `role`, in its order, for the page:
    [(name, agency or None, kind)]. Linked agencies the record does not name come last."""
    linked = AgencyMatcher(procedure.agencies_in(role))
    shown, used = [], set()
    for name in (procedure.agency_names or {}).get(role, []):
        agency = linked.find(name)
        shown.append((name, agency, "body" if agency else kind(name, linked.home)))
        used.add(agency)
    shown += [(a.name_vi, a, "body") for a in procedure.agencies_in(role) if a not in used]
    return shown

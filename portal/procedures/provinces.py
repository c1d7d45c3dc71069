"""Vietnam's provinces, to tell this province's bodies and procedures from another's.

National records name bodies of many provinces ("Sở Tư pháp Thành phố Hà Nội", "Sở Xây dựng -
tỉnh Quảng Ninh") and some records are one province's own ("… trên địa bàn tỉnh Hà Tĩnh").
Since 1 July 2025 (Resolution 202/2025/QH15) 63 provinces became 34; a record may use either
name, so a merged province's former names count as its own.
"""

import re

from portal.text import fold

# The 34 provinces from 1 July 2025, each with the former provinces merged into it.
MERGED_2025 = {
    "Hà Nội": [],
    "Huế": ["Thừa Thiên Huế"],
    "Lai Châu": [],
    "Điện Biên": [],
    "Sơn La": [],
    "Lạng Sơn": [],
    "Quảng Ninh": [],
    "Thanh Hóa": [],
    "Nghệ An": [],
    "Hà Tĩnh": [],
    "Cao Bằng": [],
    "Tuyên Quang": ["Hà Giang"],
    "Lào Cai": ["Yên Bái"],
    "Thái Nguyên": ["Bắc Kạn"],
    "Phú Thọ": ["Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Giang"],
    "Hưng Yên": ["Thái Bình"],
    "Hải Phòng": ["Hải Dương"],
    "Ninh Bình": ["Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Bình"],
    "Đà Nẵng": ["Quảng Nam"],
    "Quảng Ngãi": ["Kon Tum"],
    "Gia Lai": ["Bình Định"],
    "Khánh Hòa": ["Ninh Thuận"],
    "Lâm Đồng": ["Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Phú Yên"],
    "Hồ Chí Minh": ["Bình Dương", "Bà Rịa - Vũng Tàu"],
    "Đồng Nai": ["Bình Phước"],
    "Tây Ninh": ["Long An"],
    "Cần Thơ": ["Sóc Trăng", "Hậu Giang"],
    "Vĩnh Long": ["Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Tiền Giang"],
    "Cà Mau": ["Bạc Liêu"],
    "An Giang": ["Kiên Giang"],
}


def _key(text):
    """Folded, hyphens as spaces, blanks collapsed: "Bà Rịa - Vũng Tàu" → "ba ria vung tau"."""
    return " ".join(fold(text or "").replace("-", " ").split())


# Every name a record may use, as a key, to the province it belongs to now.
_PROVINCE_OF = {
    _key(name): province for province, former in MERGED_2025.items() for name in (province, *former)
}
_PROVINCE_OF["hcm"] = "Hồ Chí Minh"
_NAMES = "|".join(sorted((re.escape(name) for name in _PROVINCE_OF), key=len, reverse=True))
# "tỉnh Hà Tĩnh", "Thành phố Hà Nội", "TP.HCM", "TP. Hồ Chí Minh", matched on folded text.
_PLACE = re.compile(rf"\b(?:tinh|thanh pho|tp\.?)\s*({_NAMES})\b|\b(tphcm|tp\.?\s*hcm)\b")


def provinces_named(text):
    """The provinces (by their name since 2025) that text names as "tỉnh X", "thành phố X"."""
    return {_PROVINCE_OF[match.group(1) or "hcm"] for match in _PLACE.finditer(_key(text))}


def another_province(text, home):
    """The other province text names, if it names one and not `home` (or home's former
    parts): "Sở Tư pháp Thành phố Hà Nội" is Hà Nội's for Cà Mau; "tỉnh Bạc Liêu" is Cà Mau's."""
    named = provinces_named(text)
    # home as configured ("tỉnh Cà Mau") or as a bare name ("Cà Mau").
    home_now = next(iter(provinces_named(home)), None) or _PROVINCE_OF.get(_key(home), home)
    others = sorted(named - {home_now})
    return others[0] if others and home_now not in named else None

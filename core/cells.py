"""Value vocabularies in English and Chinese, and the parsers that turn one cell into a Python value.

Every parser takes a non-empty cell (a string from CSV, or what openpyxl gives for XLSX) and either returns
the value or raises `RowInvalid` with a sentence naming what was expected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from core.batch import RowInvalid
from core.localtime import EARLIEST_DAY

LEVELS = {
    "high": "high", "h": "high", "高": "high", "紧急": "high",
    "medium": "medium", "m": "medium", "mid": "medium", "normal": "medium", "中": "medium", "一般": "medium",
    "low": "low", "l": "low", "低": "low",
}  # fmt: skip
SPEEDS = {
    "fast": "fast", "快": "fast", "quick": "fast",
    "normal": "normal", "medium": "normal", "中": "normal", "一般": "normal", "正常": "normal",
    "slow": "slow", "慢": "slow",
}  # fmt: skip
BOOLEANS = {
    "是": True, "1": True, "true": True, "t": True, "y": True, "yes": True, "有": True,
    "否": False, "0": False, "false": False, "f": False, "n": False, "no": False, "无": False,
}  # fmt: skip
TIERS = {
    "strategic": "strategic", "战略": "strategic", "战略客户": "strategic",
    "key": "key", "重点": "key", "重点客户": "key", "大客户": "key",
    "standard": "standard", "标准": "standard", "标准客户": "standard", "普通": "standard", "普通客户": "standard",
    "basic": "basic", "基础": "basic", "基础客户": "basic",
}  # fmt: skip
CHANNELS = {
    "form": "form", "表单": "form", "api": "api", "接口": "api",
    "import": "import", "导入": "import", "survey": "survey", "问卷": "survey", "调查": "survey",
}  # fmt: skip
LANGUAGES = {"en": "en", "english": "en", "英文": "en", "英语": "en", "zh": "zh-hans", "zh-hans": "zh-hans",
             "chinese": "zh-hans", "中文": "zh-hans", "汉语": "zh-hans"}  # fmt: skip

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
)  # fmt: skip
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def text(value) -> str:
    return value if isinstance(value, str) else _cell_text(value)


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def choice(vocabulary: dict[str, str], what: str):
    """A parser accepting the vocabulary's keys, case-insensitively."""
    allowed = ", ".join(
        sorted({k for k in vocabulary if k.isascii() and len(k) > 1} | {k for k in vocabulary if not k.isascii()})
    )

    def parse(value):
        key = text(value).strip().lower()
        try:
            return vocabulary[key]
        except KeyError:
            reason = _("Unknown %(what)s; expected one of: %(allowed)s.") % {"what": what, "allowed": allowed}
            raise RowInvalid(reason) from None

    return parse


parse_level = choice(LEVELS, "level")
parse_speed = choice(SPEEDS, "handling speed")
parse_tier = choice(TIERS, "customer tier")
parse_channel = choice(CHANNELS, "channel")
parse_language = choice(LANGUAGES, "language")


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = _cell_text(value).strip().lower()
    try:
        return BOOLEANS[key]
    except KeyError:
        raise RowInvalid(_("Expected yes or no: 是/否, 1/0, true/false or Y/N.")) from None


def parse_float(value, *, minimum: float | None = 0.0) -> float:
    """A finite number (hours, amounts); thousands separators and currency signs are allowed."""
    if isinstance(value, bool):
        raise RowInvalid(_("Expected a number."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(value)  # the common case; float() ignores surrounding spaces
        except ValueError:
            cleaned = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "")
            try:
                number = float(cleaned)
            except ValueError:
                raise RowInvalid(_("Expected a number.")) from None
    if not math.isfinite(number):
        raise RowInvalid(_("Expected a finite number."))
    if minimum is not None and number < minimum:
        raise RowInvalid(_("Must be at least %(min)s.") % {"min": minimum})
    return number


def parse_decimal(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    cleaned = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise RowInvalid(_("Expected a number.")) from None
    if not number.is_finite():
        raise RowInvalid(_("Expected a finite number."))
    return number


def parse_int(value, *, low: int, high: int) -> int:
    """A whole number in [low, high]; 4.0 counts as 4 (spreadsheets store numbers as floats)."""
    if type(value) is str and value.isdigit():
        number = int(value)
        if low <= number <= high:
            return number
        raise RowInvalid(_("Must be from %(low)s to %(high)s.") % {"low": low, "high": high})
    if isinstance(value, bool):
        raise RowInvalid(_("Expected a whole number."))
    try:
        number = float(value) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise RowInvalid(_("Expected a whole number.")) from None
    if isinstance(number, float):
        if not (math.isfinite(number) and number.is_integer()):
            raise RowInvalid(_("Expected a whole number."))
        number = int(number)
    if not low <= number <= high:
        raise RowInvalid(_("Must be from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    try:
        return parse_datetime(raw).date()
    except RowInvalid:
        raise RowInvalid(_("Expected a date such as 2024-03-31 or 2024/3/31.")) from None


def parse_datetime(value) -> dt.datetime:
    """A date and time; naive values are in the site's time zone, a bare date means midnight."""
    if type(value) is str:
        try:
            moment = dt.datetime.fromisoformat(value)  # the common cell, without the detours below
        except ValueError:
            moment = _parse_datetime_text(value.strip())
    elif isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = _parse_datetime_text(str(value).strip())
    if not EARLIEST_DAY.year <= moment.year <= _latest_year():
        # One integer comparison per cell; the services check the exact window (1990 … tomorrow).
        raise RowInvalid(_("Dates must fall between 1 Jan 1990 and tomorrow; got %(value)s.") % {"value": value})
    if moment.tzinfo is None:
        # zoneinfo zones resolve the offset on use, so attaching the zone is what make_aware does. combine() is
        # replace(tzinfo=…) at a quarter of the cost, which counts at 200,000 cells.
        moment = dt.datetime.combine(moment, moment.time(), timezone.get_default_timezone())
    return moment


_year_cache = [0.0, 0]  # [monotonic time until which the year holds, the latest plausible year]


def _latest_year() -> int:
    """Next year, looked up at most once a minute: `date.today()` per cell cost more than the rest of the check."""
    now = time.monotonic()
    if now >= _year_cache[0]:
        _year_cache[:] = [now + 60, dt.date.today().year + 1]
    return _year_cache[1]


def _parse_datetime_text(raw: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(raw)  # fast path: 2024-03-31 14:30, 2024-03-31T14:30:00+08:00, …
    except ValueError:
        pass
    if _ISO_RE.match(raw):
        try:
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise RowInvalid(_("Expected a date and time such as 2024-03-31 14:30."))

"""Word tables for English time phrases: weekdays, months, numbers, ordinals, units, day periods,
holidays and time-zone names. Pure data plus tiny lookups; no parsing logic here.
"""

from __future__ import annotations

from datetime import time

# The display names, kept with the rest of the wording: one list.
from scheduler.wording.calendar import MONTH_NAMES as MONTH_NAMES
from scheduler.wording.calendar import WEEKDAY_NAMES as WEEKDAY_NAMES

WEEKDAY_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

_WEEKDAY_FORMS = {
    0: ["monday", "mon", "mondays"],
    1: ["tuesday", "tue", "tues", "tuesdays", "tuesdy"],
    2: ["wednesday", "wed", "weds", "wednesdays", "wednsday", "wendsday", "wensday", "wedensday"],
    3: ["thursday", "thu", "thur", "thurs", "thursdays", "thrusday", "thursdsay"],
    4: ["friday", "fri", "fridays", "firday"],
    5: ["saturday", "sat", "saturdays", "satruday"],
    6: ["sunday", "sun", "sundays"],
}
WEEKDAYS: dict[str, int] = {w: d for d, forms in _WEEKDAY_FORMS.items() for w in forms}
PLURAL_WEEKDAYS = {
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "saturdays",
    "sundays",
}
# Short forms that are also ordinary words: only dates when the context says so.
WEAK_WEEKDAYS = {"sat", "sun", "wed"}

_MONTH_FORMS = {
    1: ["january", "jan"],
    2: ["february", "feb", "febuary"],
    3: ["march", "mar"],
    4: ["april", "apr"],
    5: ["may"],
    6: ["june", "jun"],
    7: ["july", "jul"],
    8: ["august", "aug"],
    9: ["september", "sep", "sept"],
    10: ["october", "oct"],
    11: ["november", "nov"],
    12: ["december", "dec"],
}
MONTHS: dict[str, int] = {w: m for m, forms in _MONTH_FORMS.items() for w in forms}
WEAK_MONTHS = {"may", "march", "mar", "jan", "dec"}

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
TENS = {"twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty", "ninety"}

ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
}  # fmt: skip
ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
EVERY_WORDS = ("every", "each", "evey", "evry", "ev")  # and the shorthand misspellings

# Units of time, by canonical name. Single letters only count when glued to a number ("5m").
UNITS: dict[str, str] = {
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour",
    "day": "day", "days": "day",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "fortnight": "fortnight", "fortnights": "fortnight",
    "month": "month", "months": "month", "mo": "month", "mos": "month",
    "year": "year", "years": "year", "yr": "year", "yrs": "year",
    "decade": "decade", "decades": "decade",
}  # fmt: skip
GLUED_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "y": "year"}
SUBDAILY = {"second", "minute", "hour"}

# Named parts of the day: the time they stand for alone, and how they read a bare hour.
PERIODS: dict[str, str] = {
    "morning": "morning", "mornings": "morning",
    "afternoon": "afternoon", "afternoons": "afternoon",
    "evening": "evening", "evenings": "evening",
    "night": "night", "nights": "night",
}  # fmt: skip
PERIOD_TIMES = {
    "morning": time(9),
    "afternoon": time(12),
    "evening": time(19),
    "night": time(22),
    "tonight": time(20),
}
NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0), "lunchtime": time(12)}
DEFAULT_TIME = time(9)

MERIDIEM = {"am": "am", "a": "am", "pm": "pm", "p": "pm"}

# Holidays: fixed (month, day), or (month, nth, weekday) for "nth weekday of month" ones.
FIXED_HOLIDAYS: dict[str, tuple[int, int]] = {
    "christmas": (12, 25), "xmas": (12, 25), "christmas day": (12, 25),
    "christmas eve": (12, 24), "new year's eve": (12, 31), "new years eve": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "new year": (1, 1),
    "halloween": (10, 31), "valentine's day": (2, 14), "valentines day": (2, 14),
    "valentine day": (2, 14), "independence day": (7, 4), "st patrick's day": (3, 17),
    "boxing day": (12, 26), "ides of march": (3, 15),
}  # fmt: skip
NTH_HOLIDAYS: dict[str, tuple[int, int, int]] = {
    "thanksgiving": (11, 4, 3), "thanksgiving day": (11, 4, 3),
    "mother's day": (5, 2, 6), "mothers day": (5, 2, 6),
    "father's day": (6, 3, 6), "fathers day": (6, 3, 6),
    "memorial day": (5, -1, 0), "labor day": (9, 1, 0), "labour day": (9, 1, 0),
    "mlk day": (1, 3, 0), "martin luther king day": (1, 3, 0),
}  # fmt: skip

# Time-zone abbreviations: a fixed UTC offset in minutes, or an IANA zone with DST rules.
ZONE_ABBREVIATIONS: dict[str, int | str] = {
    "utc": "UTC", "gmt": 0, "z": "UTC",
    "cet": 60, "cest": 120, "eet": 120, "eest": 180, "wet": 0, "west": 60, "bst": 60,
    "ist": 330, "jst": 540, "kst": 540, "sgt": 480, "hkt": 480, "aest": 600, "aedt": 660,
    "acst": 570, "awst": 480, "nzst": 720, "nzdt": 780, "msk": 180,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
    "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600,
    "et": "America/New_York", "ct": "America/Chicago", "mt": "America/Denver",
    "pt": "America/Los_Angeles", "aet": "Australia/Sydney",
}  # fmt: skip

# Shorthand and misspellings people type in chat, read as the word they stand for.
SHORTHAND: dict[str, str] = {
    "tonite": "tonight", "2nite": "tonight", "tnite": "tonight", "2night": "tonight",
    "2morrow": "tomorrow", "2moro": "tomorrow", "2mrw": "tomorrow", "tmrrw": "tomorrow",
    "tmw": "tomorrow", "tomoz": "tomorrow", "tomrrow": "tomorrow",
    "wkday": "weekday", "wkdays": "weekdays", "wkend": "weekend", "wkends": "weekends",
    "wknd": "weekend", "wknds": "weekends", "weekdys": "weekdays", "wekdays": "weekdays",
    "evry": "every", "evrey": "every", "eveyr": "every", "everyy": "every",
    "dayly": "daily", "dialy": "daily", "weelky": "weekly", "montly": "monthly",
    "hr": "hour", "hrly": "hourly", "mins": "minutes", "minuets": "minutes", "mnths": "months",
    "mornin": "morning", "nite": "night", "nites": "nights",
    "mondy": "monday", "munday": "monday", "tuseday": "tuesday", "tusday": "tuesday",
    "wednsday": "wednesday", "wedensday": "wednesday", "thrusday": "thursday",
    "thurday": "thursday", "fridy": "friday", "frday": "friday", "saterday": "saturday",
    "sundy": "sunday", "febuary": "february", "feburary": "february",
}  # fmt: skip

# Words around a time phrase that are not the task ("remind me to ..."), in every interface.
FILLER = {
    "remind", "reminder", "me", "us", "to", "please", "pls", "plz", "can", "could", "would",
    "you", "set", "a", "an", "schedule", "for", "in", "at", "on", "the", "and", "it", "run",
    "ping", "notify", "tell", "ok", "okay", "hey", "then", "again", "do", "this", "that", "of",
}  # fmt: skip

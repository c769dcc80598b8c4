"""The variant table: many phrasings of each family, with the fire times a person expects.

Every row is parsed at Wednesday 2026-06-10 10:00 in Europe/Berlin; the expected times are local
wall times. Rows of kind "invalid" must be refused with InvalidRequest. A second table checks
DST changes and other zones with exact UTC offsets.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import InvalidRequest
from scheduler.phrases import parse_schedule, preview

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))

TABLE: list[tuple[str, str, list[str]]] = [
    # one-offs: relative
    ("in 15 minutes", "once", ["2026-06-10 10:15"]),
    ("in 2 hours", "once", ["2026-06-10 12:00"]),
    ("in an hour", "once", ["2026-06-10 11:00"]),
    ("in half an hour", "once", ["2026-06-10 10:30"]),
    ("in a quarter of an hour", "once", ["2026-06-10 10:15"]),
    ("in 90 seconds", "once", ["2026-06-10 10:01"]),
    ("in five minutes", "once", ["2026-06-10 10:05"]),
    ("in a couple of hours", "once", ["2026-06-10 12:00"]),
    ("in a few minutes", "once", ["2026-06-10 10:03"]),
    ("in 2.5 hours", "once", ["2026-06-10 12:30"]),
    ("in an hour and a half", "once", ["2026-06-10 11:30"]),
    ("in 1h", "once", ["2026-06-10 11:00"]),
    ("in 3 days", "once", ["2026-06-13 10:00"]),
    ("in a week", "once", ["2026-06-17 10:00"]),
    ("in 2 weeks", "once", ["2026-06-24 10:00"]),
    ("in a month", "once", ["2026-07-10 10:00"]),
    ("in 3 days at 10am", "once", ["2026-06-13 10:00"]),
    ("in 2 weeks at noon", "once", ["2026-06-24 12:00"]),
    ("2 hours from now", "once", ["2026-06-10 12:00"]),
    ("5 minutes from now", "once", ["2026-06-10 10:05"]),
    ("a week from now", "once", ["2026-06-17 10:00"]),
    ("3 days later", "once", ["2026-06-13 10:00"]),
    ("after 4 days", "once", ["2026-06-14 10:00"]),
    ("10 minutes hence", "once", ["2026-06-10 10:10"]),
    ("a week from tomorrow", "once", ["2026-06-18 09:00"]),
    ("5 minutes", "once", ["2026-06-10 10:05"]),
    # one-offs: days and times
    ("tomorrow", "once", ["2026-06-11 09:00"]),
    ("tomorrow at 3pm", "once", ["2026-06-11 15:00"]),
    ("tomorrow at 3", "once", ["2026-06-11 15:00"]),
    ("tomorrow morning", "once", ["2026-06-11 09:00"]),
    ("tomorrow evening", "once", ["2026-06-11 19:00"]),
    ("tomorrow afternoon at 5", "once", ["2026-06-11 17:00"]),
    ("at 5pm tomorrow", "once", ["2026-06-11 17:00"]),
    ("the day after tomorrow at 8", "once", ["2026-06-12 08:00"]),
    ("day after tomorrow 5pm", "once", ["2026-06-12 17:00"]),
    ("tonight", "once", ["2026-06-10 20:00"]),
    ("8 tonight", "once", ["2026-06-10 20:00"]),
    ("tonight at 11", "once", ["2026-06-10 23:00"]),
    ("midnight tonight", "once", ["2026-06-11 00:00"]),
    ("this evening", "once", ["2026-06-10 19:00"]),
    ("at 6pm", "once", ["2026-06-10 18:00"]),
    ("at 9am", "once", ["2026-06-11 09:00"]),
    ("at noon", "once", ["2026-06-10 12:00"]),
    ("at midnight", "once", ["2026-06-11 00:00"]),
    ("midnight", "once", ["2026-06-11 00:00"]),
    ("noon", "once", ["2026-06-10 12:00"]),
    ("at 4", "once", ["2026-06-10 16:00"]),
    ("at two", "once", ["2026-06-10 14:00"]),
    ("at seven thirty", "once", ["2026-06-11 07:30"]),
    ("at 9.30", "once", ["2026-06-11 09:30"]),
    ("9.30", "once", ["2026-06-11 09:30"]),
    ("21h", "once", ["2026-06-10 21:00"]),
    ("9h30", "once", ["2026-06-11 09:30"]),
    ("at 1400", "once", ["2026-06-10 14:00"]),
    ("at 930am", "once", ["2026-06-11 09:30"]),
    ("quarter past 5", "once", ["2026-06-10 17:15"]),
    ("half past 8", "once", ["2026-06-11 08:30"]),
    ("quarter to 9", "once", ["2026-06-11 08:45"]),
    ("ten to six", "once", ["2026-06-10 17:50"]),
    ("twenty after 3pm", "once", ["2026-06-10 15:20"]),
    ("at 3:15", "once", ["2026-06-10 15:15"]),
    ("at 17:15", "once", ["2026-06-10 17:15"]),
    ("at 12:30pm", "once", ["2026-06-10 12:30"]),
    ("next Friday", "once", ["2026-06-19 09:00"]),
    ("next tuesday", "once", ["2026-06-16 09:00"]),
    ("this sunday", "once", ["2026-06-14 09:00"]),
    ("friday", "once", ["2026-06-12 09:00"]),
    ("on friday at 5pm", "once", ["2026-06-12 17:00"]),
    ("friday after next", "once", ["2026-06-19 09:00"]),
    ("wednesday of next week", "once", ["2026-06-17 09:00"]),
    ("next week", "once", ["2026-06-15 09:00"]),
    ("next month", "once", ["2026-07-01 09:00"]),
    ("next year", "once", ["2027-01-01 09:00"]),
    ("end of month", "once", ["2026-06-30 09:00"]),
    ("end of the month", "once", ["2026-06-30 09:00"]),
    ("this weekend", "once", ["2026-06-13 09:00"]),
    ("on December 1st at noon", "once", ["2026-12-01 12:00"]),
    ("December 1st", "once", ["2026-12-01 09:00"]),
    ("Dec 25", "once", ["2026-12-25 09:00"]),
    ("Jan 5", "once", ["2027-01-05 09:00"]),
    ("the 4th of july", "once", ["2026-07-04 09:00"]),
    ("1st of December", "once", ["2026-12-01 09:00"]),
    ("march 3rd at 12:15am", "once", ["2027-03-03 00:15"]),
    ("on the 15th", "once", ["2026-06-15 09:00"]),
    ("on 7", "once", ["2026-07-07 09:00"]),
    ("2026-12-01 09:00", "once", ["2026-12-01 09:00"]),
    ("2026-12-01T09:00", "once", ["2026-12-01 09:00"]),
    ("12/1", "once", ["2026-12-01 09:00"]),
    ("12/1/2026", "once", ["2026-12-01 09:00"]),
    ("12/25/27", "once", ["2027-12-25 09:00"]),
    ("8/1/2100 at 12:15am", "once", ["2100-08-01 00:15"]),
    ("last Monday of March", "once", ["2027-03-29 09:00"]),
    ("first tuesday of october", "once", ["2026-10-06 09:00"]),
    ("2nd fri in feb at 9am", "once", ["2027-02-12 09:00"]),
    ("last day of february", "once", ["2027-02-28 09:00"]),
    ("thursday, february 18th", "once", ["2027-02-18 09:00"]),
    ("christmas", "once", ["2026-12-25 09:00"]),
    ("new year's eve", "once", ["2026-12-31 09:00"]),
    ("halloween at 8pm", "once", ["2026-10-31 20:00"]),
    ("thanksgiving", "once", ["2026-11-26 09:00"]),
    ("mid january", "once", ["2027-01-15 09:00"]),
    ("in March", "once", ["2027-03-01 09:00"]),
    # recurring: days
    ("every day", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"]),
    ("daily", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"]),
    ("each day", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"]),
    ("everyday", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"]),
    ("every day at 9am", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"]),
    (
        "every day at 9am and 5pm",
        "recurring",
        ["2026-06-10 17:00", "2026-06-11 09:00", "2026-06-11 17:00"],
    ),
    (
        "twice a day at 9 and 17",
        "recurring",
        ["2026-06-10 17:00", "2026-06-11 09:00", "2026-06-11 17:00"],
    ),
    (
        "three times a day at 8, 13 and 18",
        "recurring",
        ["2026-06-10 13:00", "2026-06-10 18:00", "2026-06-11 08:00"],
    ),
    ("every weekday", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-15 09:00"]),
    ("weekdays at 8:30", "recurring", ["2026-06-11 08:30", "2026-06-12 08:30", "2026-06-15 08:30"]),
    (
        "every weekday at 8:30",
        "recurring",
        ["2026-06-11 08:30", "2026-06-12 08:30", "2026-06-15 08:30"],
    ),
    (
        "on weekdays at 7 AM",
        "recurring",
        ["2026-06-11 07:00", "2026-06-12 07:00", "2026-06-15 07:00"],
    ),
    ("every weekend", "recurring", ["2026-06-13 09:00", "2026-06-14 09:00", "2026-06-20 09:00"]),
    ("weekends", "recurring", ["2026-06-13 09:00", "2026-06-14 09:00", "2026-06-20 09:00"]),
    (
        "every weekend at 10",
        "recurring",
        ["2026-06-13 10:00", "2026-06-14 10:00", "2026-06-20 10:00"],
    ),
    ("every monday", "recurring", ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"]),
    ("mondays", "recurring", ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"]),
    ("each monday", "recurring", ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"]),
    ("on mondays at 9", "recurring", ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"]),
    (
        "every mon at 9:30am",
        "recurring",
        ["2026-06-15 09:30", "2026-06-22 09:30", "2026-06-29 09:30"],
    ),
    (
        "every Mon and Thu",
        "recurring",
        ["2026-06-11 09:00", "2026-06-15 09:00", "2026-06-18 09:00"],
    ),
    (
        "every mon, tues, wed, and fri",
        "recurring",
        ["2026-06-12 09:00", "2026-06-15 09:00", "2026-06-16 09:00"],
    ),
    (
        "tuesdays and thursdays at 3:15",
        "recurring",
        ["2026-06-11 15:15", "2026-06-16 15:15", "2026-06-18 15:15"],
    ),
    (
        "every monday, tuesday at 2pm",
        "recurring",
        ["2026-06-15 14:00", "2026-06-16 14:00", "2026-06-22 14:00"],
    ),
    (
        "at noon every Sunday",
        "recurring",
        ["2026-06-14 12:00", "2026-06-21 12:00", "2026-06-28 12:00"],
    ),
    (
        "at 11:00 every Thursday",
        "recurring",
        ["2026-06-11 11:00", "2026-06-18 11:00", "2026-06-25 11:00"],
    ),
    (
        "every Monday at 9",
        "recurring",
        ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"],
    ),
    (
        "every monday at 9 and every friday at 5",
        "recurring",
        ["2026-06-12 17:00", "2026-06-15 09:00", "2026-06-19 17:00"],
    ),
    (
        "at 9 on mondays and at 17 on fridays",
        "recurring",
        ["2026-06-12 17:00", "2026-06-15 09:00", "2026-06-19 17:00"],
    ),
    (
        "every weekday at 8:30 and weekends at 10",
        "recurring",
        ["2026-06-11 08:30", "2026-06-12 08:30", "2026-06-13 10:00"],
    ),
    (
        "every sunday at 23:30",
        "recurring",
        ["2026-06-14 23:30", "2026-06-21 23:30", "2026-06-28 23:30"],
    ),
    (
        "every day at 2:30am",
        "recurring",
        ["2026-06-11 02:30", "2026-06-12 02:30", "2026-06-13 02:30"],
    ),
    ("every morning", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"]),
    ("every afternoon", "recurring", ["2026-06-10 12:00", "2026-06-11 12:00", "2026-06-12 12:00"]),
    ("every evening", "recurring", ["2026-06-10 19:00", "2026-06-11 19:00", "2026-06-12 19:00"]),
    ("every night", "recurring", ["2026-06-10 22:00", "2026-06-11 22:00", "2026-06-12 22:00"]),
    (
        "every monday morning",
        "recurring",
        ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"],
    ),
    ("weekday mornings", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-15 09:00"]),
    ("nightly", "recurring", ["2026-06-10 22:00", "2026-06-11 22:00", "2026-06-12 22:00"]),
    ("every other day", "recurring", ["2026-06-11 09:00", "2026-06-13 09:00", "2026-06-15 09:00"]),
    ("every third day", "recurring", ["2026-06-11 09:00", "2026-06-14 09:00", "2026-06-17 09:00"]),
    ("every 3 days", "recurring", ["2026-06-11 09:00", "2026-06-14 09:00", "2026-06-17 09:00"]),
    ("every 4th day", "recurring", ["2026-06-11 09:00", "2026-06-15 09:00", "2026-06-19 09:00"]),
    (
        "every other Tuesday",
        "recurring",
        ["2026-06-16 09:00", "2026-06-30 09:00", "2026-07-14 09:00"],
    ),
    (
        "every other tuesday at 5pm",
        "recurring",
        ["2026-06-16 17:00", "2026-06-30 17:00", "2026-07-14 17:00"],
    ),
    (
        "every 2 weeks on Tuesday and Thursday",
        "recurring",
        ["2026-06-11 09:00", "2026-06-23 09:00", "2026-06-25 09:00"],
    ),
    (
        "every other week on mon and fri",
        "recurring",
        ["2026-06-12 09:00", "2026-06-22 09:00", "2026-06-26 09:00"],
    ),
    (
        "every 3 weeks on mon",
        "recurring",
        ["2026-06-15 09:00", "2026-07-06 09:00", "2026-07-27 09:00"],
    ),
    (
        "every two weeks on friday at 4pm",
        "recurring",
        ["2026-06-12 16:00", "2026-06-26 16:00", "2026-07-10 16:00"],
    ),
    ("biweekly", "recurring", ["2026-06-17 09:00", "2026-07-01 09:00", "2026-07-15 09:00"]),
    ("every 2 weeks", "recurring", ["2026-06-17 09:00", "2026-07-01 09:00", "2026-07-15 09:00"]),
    (
        "every other weekend",
        "recurring",
        ["2026-06-13 09:00", "2026-06-14 09:00", "2026-06-27 09:00"],
    ),
    ("every Mon-Wed", "recurring", ["2026-06-15 09:00", "2026-06-16 09:00", "2026-06-17 09:00"]),
    (
        "each week on saturday thru tuesday",
        "recurring",
        ["2026-06-13 09:00", "2026-06-14 09:00", "2026-06-15 09:00"],
    ),
    ("weekly", "recurring", ["2026-06-17 09:00", "2026-06-24 09:00", "2026-07-01 09:00"]),
    ("every week", "recurring", ["2026-06-17 09:00", "2026-06-24 09:00", "2026-07-01 09:00"]),
    (
        "weekly on wednesdays and fridays",
        "recurring",
        ["2026-06-12 09:00", "2026-06-17 09:00", "2026-06-19 09:00"],
    ),
    (
        "once a week on sunday",
        "recurring",
        ["2026-06-14 09:00", "2026-06-21 09:00", "2026-06-28 09:00"],
    ),
    (
        "twice a week on monday and thursday",
        "recurring",
        ["2026-06-11 09:00", "2026-06-15 09:00", "2026-06-18 09:00"],
    ),
    # recurring: months and years
    ("monthly", "recurring", ["2026-07-10 09:00", "2026-08-10 09:00", "2026-09-10 09:00"]),
    ("every month", "recurring", ["2026-07-10 09:00", "2026-08-10 09:00", "2026-09-10 09:00"]),
    (
        "every month on the 15th",
        "recurring",
        ["2026-06-15 09:00", "2026-07-15 09:00", "2026-08-15 09:00"],
    ),
    (
        "the 1st of every month",
        "recurring",
        ["2026-07-01 09:00", "2026-08-01 09:00", "2026-09-01 09:00"],
    ),
    ("every 27th", "recurring", ["2026-06-27 09:00", "2026-07-27 09:00", "2026-08-27 09:00"]),
    (
        "every 4th and 10th of the month",
        "recurring",
        ["2026-07-04 09:00", "2026-07-10 09:00", "2026-08-04 09:00"],
    ),
    (
        "first Monday of every month",
        "recurring",
        ["2026-07-06 09:00", "2026-08-03 09:00", "2026-09-07 09:00"],
    ),
    (
        "last Friday of the month",
        "recurring",
        ["2026-06-26 09:00", "2026-07-31 09:00", "2026-08-28 09:00"],
    ),
    (
        "every last friday of the month",
        "recurring",
        ["2026-06-26 09:00", "2026-07-31 09:00", "2026-08-28 09:00"],
    ),
    (
        "every 2nd tuesday",
        "recurring",
        ["2026-07-14 09:00", "2026-08-11 09:00", "2026-09-08 09:00"],
    ),
    ("every 3rd friday", "recurring", ["2026-06-19 09:00", "2026-07-17 09:00", "2026-08-21 09:00"]),
    (
        "second friday of each month",
        "recurring",
        ["2026-06-12 09:00", "2026-07-10 09:00", "2026-08-14 09:00"],
    ),
    (
        "2nd and last fri of each month",
        "recurring",
        ["2026-06-12 09:00", "2026-06-26 09:00", "2026-07-10 09:00"],
    ),
    (
        "first friday of every other month",
        "recurring",
        ["2026-07-03 09:00", "2026-09-04 09:00", "2026-11-06 09:00"],
    ),
    (
        "last day of each month",
        "recurring",
        ["2026-06-30 09:00", "2026-07-31 09:00", "2026-08-31 09:00"],
    ),
    ("every last day", "recurring", ["2026-06-30 09:00", "2026-07-31 09:00", "2026-08-31 09:00"]),
    (
        "end of each month",
        "recurring",
        ["2026-06-30 09:00", "2026-07-31 09:00", "2026-08-31 09:00"],
    ),
    (
        "beginning of each month",
        "recurring",
        ["2026-07-01 09:00", "2026-08-01 09:00", "2026-09-01 09:00"],
    ),
    (
        "last weekday of the month",
        "recurring",
        ["2026-06-30 09:00", "2026-07-31 09:00", "2026-08-31 09:00"],
    ),
    (
        "the last business day of every month",
        "recurring",
        ["2026-06-30 09:00", "2026-07-31 09:00", "2026-08-31 09:00"],
    ),
    (
        "every other month on the 4th",
        "recurring",
        ["2026-07-04 09:00", "2026-09-04 09:00", "2026-11-04 09:00"],
    ),
    (
        "every 3 months on the 4th",
        "recurring",
        ["2026-07-04 09:00", "2026-10-04 09:00", "2027-01-04 09:00"],
    ),
    ("quarterly", "recurring", ["2026-07-10 09:00", "2026-10-10 09:00", "2027-01-10 09:00"]),
    (
        "every year on March 3",
        "recurring",
        ["2027-03-03 09:00", "2028-03-03 09:00", "2029-03-03 09:00"],
    ),
    ("yearly", "recurring", ["2027-06-10 09:00", "2028-06-10 09:00", "2029-06-10 09:00"]),
    (
        "once a year on december 25th",
        "recurring",
        ["2026-12-25 09:00", "2027-12-25 09:00", "2028-12-25 09:00"],
    ),
    ("every january 25", "recurring", ["2027-01-25 09:00", "2028-01-25 09:00", "2029-01-25 09:00"]),
    ("every jan 27th", "recurring", ["2027-01-27 09:00", "2028-01-27 09:00", "2029-01-27 09:00"]),
    (
        "every aug 20 and 30",
        "recurring",
        ["2026-08-20 09:00", "2026-08-30 09:00", "2027-08-20 09:00"],
    ),
    (
        "every 1/30 and 9/30 at noon",
        "recurring",
        ["2026-09-30 12:00", "2027-01-30 12:00", "2027-09-30 12:00"],
    ),
    (
        "every year on the fourth thursday in november",
        "recurring",
        ["2026-11-26 09:00", "2027-11-25 09:00", "2028-11-23 09:00"],
    ),
    ("every christmas", "recurring", ["2026-12-25 09:00", "2027-12-25 09:00", "2028-12-25 09:00"]),
    # recurring: bounds, counts, exceptions
    (
        "every day for 5 times",
        "recurring",
        ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"],
    ),
    (
        "every friday 3 times",
        "recurring",
        ["2026-06-12 09:00", "2026-06-19 09:00", "2026-06-26 09:00"],
    ),
    ("fridays twice", "recurring", ["2026-06-12 09:00", "2026-06-19 09:00"]),
    (
        "every other friday for 5 times",
        "recurring",
        ["2026-06-12 09:00", "2026-06-26 09:00", "2026-07-10 09:00"],
    ),
    (
        "every thursday for the next three weeks",
        "recurring",
        ["2026-06-11 09:00", "2026-06-18 09:00", "2026-06-25 09:00"],
    ),
    (
        "every sat for 2 months",
        "recurring",
        ["2026-06-13 09:00", "2026-06-20 09:00", "2026-06-27 09:00"],
    ),
    (
        "every monday until august",
        "recurring",
        ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"],
    ),
    (
        "every monday until next month",
        "recurring",
        ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"],
    ),
    (
        "every day until aug 3",
        "recurring",
        ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"],
    ),
    (
        "every day starting aug 3",
        "recurring",
        ["2026-08-03 09:00", "2026-08-04 09:00", "2026-08-05 09:00"],
    ),
    (
        "every day from aug 3 until aug 10",
        "recurring",
        ["2026-08-03 09:00", "2026-08-04 09:00", "2026-08-05 09:00"],
    ),
    (
        "starting tomorrow on weekends",
        "recurring",
        ["2026-06-13 09:00", "2026-06-14 09:00", "2026-06-20 09:00"],
    ),
    (
        "every 4th of the month starting next tuesday",
        "recurring",
        ["2026-07-04 09:00", "2026-08-04 09:00", "2026-09-04 09:00"],
    ),
    (
        "every day at 9 starting from monday",
        "recurring",
        ["2026-06-15 09:00", "2026-06-16 09:00", "2026-06-17 09:00"],
    ),
    (
        "every day except weekends",
        "recurring",
        ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-15 09:00"],
    ),
    (
        "every weekday except fridays",
        "recurring",
        ["2026-06-11 09:00", "2026-06-15 09:00", "2026-06-16 09:00"],
    ),
    (
        "daily except in july",
        "recurring",
        ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-13 09:00"],
    ),
    (
        "every day except tomorrow",
        "recurring",
        ["2026-06-12 09:00", "2026-06-13 09:00", "2026-06-14 09:00"],
    ),
    (
        "every 14 days 7am starting 1 Nov",
        "recurring",
        ["2026-11-01 07:00", "2026-11-15 07:00", "2026-11-29 07:00"],
    ),
    (
        "every other Tues 7am starting 1 Nov",
        "recurring",
        ["2026-11-03 07:00", "2026-11-17 07:00", "2026-12-01 07:00"],
    ),
    # intervals and sub-daily
    ("every 15 minutes", "interval", ["2026-06-10 10:15", "2026-06-10 10:30", "2026-06-10 10:45"]),
    ("every 20 min", "interval", ["2026-06-10 10:20", "2026-06-10 10:40", "2026-06-10 11:00"]),
    ("every 6 hours", "interval", ["2026-06-10 16:00", "2026-06-10 22:00", "2026-06-11 04:00"]),
    ("every 90 seconds", "interval", ["2026-06-10 10:01", "2026-06-10 10:03", "2026-06-10 10:04"]),
    ("every two hours", "interval", ["2026-06-10 12:00", "2026-06-10 14:00", "2026-06-10 16:00"]),
    ("every other hour", "interval", ["2026-06-10 12:00", "2026-06-10 14:00", "2026-06-10 16:00"]),
    ("every hour", "interval", ["2026-06-10 11:00", "2026-06-10 12:00", "2026-06-10 13:00"]),
    ("hourly", "interval", ["2026-06-10 11:00", "2026-06-10 12:00", "2026-06-10 13:00"]),
    ("every minute", "interval", ["2026-06-10 10:01", "2026-06-10 10:02", "2026-06-10 10:03"]),
    ("every 1.5 hours", "interval", ["2026-06-10 11:30", "2026-06-10 13:00", "2026-06-10 14:30"]),
    (
        "every 12 hours starting at 07:00 PM",
        "interval",
        ["2026-06-10 19:00", "2026-06-11 07:00", "2026-06-11 19:00"],
    ),
    (
        "every 2 hours from 8am",
        "interval",
        ["2026-06-11 08:00", "2026-06-11 10:00", "2026-06-11 12:00"],
    ),
    ("every 2 hours twice", "interval", ["2026-06-10 12:00", "2026-06-10 14:00"]),
    (
        "every 20 minutes until 11am",
        "interval",
        ["2026-06-10 10:20", "2026-06-10 10:40", "2026-06-10 11:00"],
    ),
    (
        "every 15 minutes between 9 and 17 on weekdays",
        "recurring",
        ["2026-06-10 10:15", "2026-06-10 10:30", "2026-06-10 10:45"],
    ),
    (
        "every 30 minutes during business hours",
        "recurring",
        ["2026-06-10 10:30", "2026-06-10 11:00", "2026-06-10 11:30"],
    ),
    (
        "every hour on weekdays",
        "recurring",
        ["2026-06-10 11:00", "2026-06-10 12:00", "2026-06-10 13:00"],
    ),
    (
        "every 2 hours between 8am and 6pm",
        "recurring",
        ["2026-06-10 12:00", "2026-06-10 14:00", "2026-06-10 16:00"],
    ),
    # cron given as is
    ("0 9 * * 1", "recurring", ["2026-06-15 09:00", "2026-06-22 09:00", "2026-06-29 09:00"]),
    ("*/5 * * * *", "recurring", ["2026-06-10 10:05", "2026-06-10 10:10", "2026-06-10 10:15"]),
    ("0 0 9 * * 1-5", "recurring", ["2026-06-11 09:00", "2026-06-12 09:00", "2026-06-15 09:00"]),
    ("@daily", "recurring", ["2026-06-11 00:00", "2026-06-12 00:00", "2026-06-13 00:00"]),
    # refused
    ("every blue moon", "invalid", []),
    ("yesterday at 5", "invalid", []),
    ("yesterday", "invalid", []),
    ("in -5 minutes", "invalid", []),
    ("in 0 minutes", "invalid", []),
    ("in 1000 years", "invalid", []),
    ("31 February", "invalid", []),
    ("February 30th", "invalid", []),
    ("at 28pm", "invalid", []),
    ("Mar 9th at 28pm", "invalid", []),
    ("at 25:00", "invalid", []),
    ("Mar 99th", "invalid", []),
    ("10:99", "invalid", []),
    ("remember to call mitchell", "invalid", []),
    ("every time i hear that", "invalid", []),
    ("now", "invalid", []),
    ("last sunday", "invalid", []),
    ("on 12/17/2020", "invalid", []),
    ("every 0 minutes", "invalid", []),
    ("twice a day", "invalid", []),
    ("twice a day at 9", "invalid", []),
    ("for 3x", "invalid", []),
    ("starting 3/1", "invalid", []),
    ("except for tomorrow", "invalid", []),
    ("every day at 9 in 2 hours", "invalid", []),
    ("tomorrow next friday", "invalid", []),
    ("at 9 and 5 tomorrow", "invalid", []),
    ("on mon and fri", "invalid", []),
    ("2nd and 4th Thu of Aug", "invalid", []),
    ("weekdays at 9am PT", "invalid", []),
]

# (phrase, zone, local now, kind, expected fires as ISO 8601 with offset)
ZONED: list[tuple[str, str, str, str, list[str]]] = [
    (
        "every day at 9am",
        "Europe/Berlin",
        "2026-03-27T10:00:00",
        "recurring",
        ["2026-03-28T09:00:00+01:00", "2026-03-29T09:00:00+02:00", "2026-03-30T09:00:00+02:00"],
    ),
    (
        "every day at 2:30am",
        "Europe/Berlin",
        "2026-03-28T10:00:00",
        "recurring",
        ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00"],
    ),
    (
        "every day at 2:30am",
        "Europe/Berlin",
        "2026-10-24T10:00:00",
        "recurring",
        ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"],
    ),
    (
        "every other tuesday at 5pm",
        "Europe/Berlin",
        "2026-03-20T10:00:00",
        "recurring",
        ["2026-03-24T17:00:00+01:00", "2026-04-07T17:00:00+02:00", "2026-04-21T17:00:00+02:00"],
    ),
    (
        "in 2 hours",
        "America/New_York",
        "2026-03-08T01:30:00",
        "once",
        ["2026-03-08T04:30:00-04:00"],
    ),
    ("in 1 day", "America/New_York", "2026-03-07T10:00:00", "once", ["2026-03-08T10:00:00-04:00"]),
    (
        "every 2 hours",
        "Europe/Berlin",
        "2026-10-24T22:00:00",
        "interval",
        ["2026-10-25T00:00:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00"],
    ),
    (
        "every 20 min",
        "Australia/Sydney",
        "2026-10-04T01:30:00",
        "interval",
        ["2026-10-04T01:50:00+10:00", "2026-10-04T03:10:00+11:00", "2026-10-04T03:30:00+11:00"],
    ),
    (
        "tomorrow at 2:30am",
        "Europe/Berlin",
        "2026-03-28T10:00:00",
        "once",
        ["2026-03-29T03:00:00+02:00"],
    ),
    (
        "weekdays at 9am PT",
        "America/Los_Angeles",
        "2026-06-10T10:00:00",
        "recurring",
        ["2026-06-11T09:00:00-07:00", "2026-06-12T09:00:00-07:00", "2026-06-15T09:00:00-07:00"],
    ),
    (
        "weekdays at 9am PT",
        "America/Vancouver",
        "2026-06-10T10:00:00",
        "recurring",
        ["2026-06-11T09:00:00-07:00", "2026-06-12T09:00:00-07:00", "2026-06-15T09:00:00-07:00"],
    ),
    (
        "9am Vancouver time daily",
        "America/Vancouver",
        "2026-06-10T10:00:00",
        "recurring",
        ["2026-06-11T09:00:00-07:00", "2026-06-12T09:00:00-07:00", "2026-06-13T09:00:00-07:00"],
    ),
    (
        "every day at 9am CET",
        "Europe/Berlin",
        "2026-06-10T10:00:00",
        "recurring",
        ["2026-06-11T09:00:00+02:00", "2026-06-12T09:00:00+02:00", "2026-06-13T09:00:00+02:00"],
    ),
    (
        "tomorrow at 8 am PST",
        "Europe/Berlin",
        "2026-06-10T10:00:00",
        "once",
        ["2026-06-11T18:00:00+02:00"],
    ),
    (
        "next wednesday",
        "Europe/Berlin",
        "2026-10-24T10:00:00",
        "once",
        ["2026-10-28T09:00:00+01:00"],
    ),
    (
        "last Monday of March",
        "Europe/Berlin",
        "2026-03-01T10:00:00",
        "once",
        ["2026-03-30T09:00:00+02:00"],
    ),
    (
        "every 3 weeks on mon",
        "Europe/Berlin",
        "2026-10-14T10:00:00",
        "recurring",
        ["2026-10-19T09:00:00+02:00", "2026-11-09T09:00:00+01:00", "2026-11-30T09:00:00+01:00"],
    ),
    (
        "first friday of every other month",
        "Europe/Berlin",
        "2026-01-10T10:00:00",
        "recurring",
        ["2026-02-06T09:00:00+01:00", "2026-04-03T09:00:00+02:00", "2026-06-05T09:00:00+02:00"],
    ),
    (
        "every 3 days",
        "Australia/Sydney",
        "2026-04-03T20:00:00",
        "recurring",
        ["2026-04-04T09:00:00+11:00", "2026-04-07T09:00:00+10:00", "2026-04-10T09:00:00+10:00"],
    ),
]


def _local(fires: list[datetime]) -> list[str]:
    return [f.strftime("%Y-%m-%d %H:%M") for f in fires]


@pytest.mark.parametrize(("phrase", "kind", "expected"), TABLE, ids=[r[0] for r in TABLE])
def test_variant(phrase: str, kind: str, expected: list[str]) -> None:
    if kind == "invalid":
        with pytest.raises(InvalidRequest):
            parse_schedule(phrase, zone=ZONE, now=NOW)
        return
    schedule = parse_schedule(phrase, zone=ZONE, now=NOW)
    assert schedule.kind == kind
    count = 1 if kind == "once" else 3
    assert _local(preview(schedule, zone=ZONE, after=NOW, count=count)) == expected


@pytest.mark.parametrize(
    ("phrase", "zone", "now", "kind", "expected"), ZONED, ids=[f"{r[0]}@{r[1]}" for r in ZONED]
)
def test_zoned_variant(phrase: str, zone: str, now: str, kind: str, expected: list[str]) -> None:
    start = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo(zone))
    schedule = parse_schedule(phrase, zone=zone, now=start)
    assert schedule.kind == kind
    fires = preview(schedule, zone=zone, after=start, count=len(expected))
    assert [f.isoformat() for f in fires] == expected


@pytest.mark.parametrize(
    ("phrase", "description"),
    [
        ("every other tuesday at 5pm", "every other Tuesday at 17:00, Europe/Berlin"),
        ("every weekday at 8:30", "every weekday at 08:30, Europe/Berlin"),
        ("every day at 9am and 5pm", "every day at 09:00 and 17:00, Europe/Berlin"),
        (
            "first Monday of every month",
            "on the first Monday of every month at 09:00, Europe/Berlin",
        ),
        ("every 15 minutes", "every 15 minutes, Europe/Berlin"),
        ("tomorrow at 3pm", "once on Thu 11 Jun 2026 at 15:00, Europe/Berlin"),
        ("every friday 3 times", "every Friday at 09:00, 3 times, Europe/Berlin"),
        # A cron expression reads like the phrase it stands for, as a stored task does.
        ("0 9 * * 1", "every Monday at 09:00, Europe/Berlin"),
        ("*/5 * * * *", "every 5 minutes, Europe/Berlin"),
        ("0 0 9 * * 1-5", "every weekday at 09:00, Europe/Berlin"),
        ("every hour on weekdays", "every hour, every weekday, Europe/Berlin"),
    ],
)
def test_description(phrase: str, description: str) -> None:
    assert parse_schedule(phrase, zone=ZONE, now=NOW).description == description


def test_table_is_broad() -> None:
    assert len(TABLE) >= 250
    assert {k for _, k, _ in TABLE} == {"once", "recurring", "interval", "invalid"}

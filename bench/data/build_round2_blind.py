"""Builds bench/data/nl_schedules_round2_blind.jsonl: issue 17's table of new rows, written BLIND.

    .venv/bin/python bench/data/build_round2_blind.py > bench/data/nl_schedules_round2_blind.jsonl

Every row was authored before cronpilot's parser ever saw it: the phrase comes from public
material on how people write schedules (product help pages, guides to telling the time, news on
clock changes, payroll and calendar pages, bot docs; the URL and what it shows are in "source"),
and the expected fire times are computed HERE by bench/data/oracle.py (dateutil + zoneinfo;
nothing from cronpilot is imported). Rows keep the house conventions written in
docs/time-phrases.md where they decide; where a phrase is genuinely open (two readings a person
could mean) the row expects a refusal ("why" says which kind).

Fields as in shared/eval/README.md, plus "group" (the kind of phrase: basic, oneoff, business,
windows, informal, bounded, dst, refusal), "lang" (en, de, es, fr, pt) and, for refusals, "why".
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import (
    FR,
    MO,
    SA,
    SU,
    TH,
    TU,
    WE,
    WEEKDAYS,
    Ctx,
    after,
    business_day,
    clock,
    daily,
    days_later,
    every,
    every_n_days,
    monthly,
    nth,
    once,
    weekly,
    yearly,
)

NOW = "2026-06-10T10:00:00"  # a Wednesday
SAT = "2026-06-13T10:00:00"  # a Saturday: "next Tuesday" is also the coming one
FRI_LATE = "2026-06-12T11:40:00"
LATE = "2026-06-10T23:10:00"
rows: list[dict] = []
counters: dict[str, int] = {}

# National public holidays, written out by hand (the statutes, not a library), for the rows' windows.
HOL_DE = frozenset({date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
                    date(2026, 5, 25), date(2026, 10, 3), date(2026, 12, 25), date(2026, 12, 26),
                    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6),
                    date(2027, 5, 17), date(2027, 10, 3), date(2027, 12, 25), date(2027, 12, 26)})  # fmt: skip
HOL_US = frozenset({date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
                    date(2026, 7, 3), date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11),
                    date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 18),
                    date(2027, 2, 15)})  # fmt: skip
HOL_FR = frozenset({date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14),
                    date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15), date(2026, 11, 1),
                    date(2026, 11, 11), date(2026, 12, 25)})  # fmt: skip
HOL_ES = frozenset({date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 3), date(2026, 5, 1), date(2026, 8, 15),
                    date(2026, 10, 12), date(2026, 11, 1), date(2026, 12, 8), date(2026, 12, 25)})  # fmt: skip
HOL_BR = frozenset({date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 21), date(2026, 5, 1), date(2026, 9, 7),
                    date(2026, 10, 12), date(2026, 11, 2), date(2026, 11, 15), date(2026, 11, 20),
                    date(2026, 12, 25)})  # fmt: skip
HOL_PT = frozenset({date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 25), date(2026, 5, 1),
                    date(2026, 6, 4), date(2026, 6, 10), date(2026, 8, 15), date(2026, 10, 5), date(2026, 11, 1),
                    date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 25)})  # fmt: skip


class Lang:
    def __init__(self, code: str, tz: str) -> None:
        self.code, self.tz = code, tz

    def _add(self, group: str, text: str, kind: str, expect, src: str, now: str, tz: str | None,
             why: str | None) -> None:  # fmt: skip
        tz = tz or self.tz
        counters[self.code] = counters.get(self.code, 0) + 1
        nxt = [] if expect is None else expect(Ctx(datetime.fromisoformat(now), tz))
        if kind != "invalid":
            assert nxt, (text, "expectation produced no fire")
        row = {"id": f"b2-{self.code}-{counters[self.code]:03d}", "source": src, "text": text, "now": now,
               "tz": tz, "kind": kind, "next": nxt, "group": group, "lang": self.code}  # fmt: skip
        if why:
            row["why"] = why
        rows.append(row)

    def r(self, group, text, expect, src, now=NOW, tz=None):  # recurring
        self._add(group, text, "recurring", expect, src, now, tz, None)

    def o(self, group, text, expect, src, now=NOW, tz=None):  # once
        self._add(group, text, "once", expect, src, now, tz, None)

    def i(self, group, text, expect, src, now=NOW, tz=None):  # interval
        self._add(group, text, "interval", expect, src, now, tz, None)

    def x(self, text, why, src, now=NOW, tz=None):  # refused
        self._add("refusal", text, "invalid", None, src, now, tz, why)


def dt(*a: int) -> datetime:
    return datetime(*a)  # type: ignore[arg-type]

# ============================== German =======================================================
D_TODOIST = "https://injelea-blog.de/morgenritual-und-wochenplanung-mit-todoist/ (Todoist auf Deutsch: 'jeden Mo, Fr um 20:00', 'jeden 2')"
D_AKADEMIE = "https://akademie.de/wissen/kurs-outlook-2000-lernen/terminserien ('Jeden ersten Montag im Monat um 9 Uhr haben wir ein Meeting')"
D_MOREJU = "https://more-ju.zendesk.com/hc/de/articles/360021909280-Wie-erstelle-beende-ich-einen-Serientermin ('Alle 3 Wochen findet dienstags ein Teammeeting statt', 'am ersten/zweiten/dritten/vierten/letzten Tag/Wochentag', 'nach X Terminen beenden')"
D_FOERDE = "https://ticket.foerdedigital.de/help/de-de/55-m0012-aufgaben-to-dos/95-anlegen-einer-wiederkehrenden-aufgabe-to-do-s ('jeden Tag von Montag bis Freitag', 'jede 2. Woche am Montag', 'jedes Jahr am 31.08.')"
D_MSC = "https://msconsulting.de/vemasnet/vemasnet-glossar/serientermine ('nur montags und mittwochs', 'am ersten und dritten Freitag des Monats')"
D_MICROTECH = "https://hilfe.microtech.de/display/PROG/Serientermine (Seriendauer: 'Endet nach 10 Terminen', 'Endet am')"
D_LOGINEO = "https://411111.logineonrw-lms.de/mod/book/view.php?chapterid=190&id=122 (Serienaufgabe: täglich bzw. alle x Tage, wöchentlich, Ende nach Anzahl oder am Datum)"
D_EMMAUS = "https://emmaus-babenhausen.de/rubrik_wzd/wzd_page.php?file=2024-08-01.art ('14-täglich' = alle 14 Tage)"
D_PORTATOUR = "https://help.portatour.com/hc/de/articles/360002854012-Serientermine ('alle zwei Wochen an einem bestimmten Wochentag', Feiertage jedes Jahr am gleichen Tag)"
D_DW = "https://learngerman.dw.com/de/uhrzeit-informell-1/l-40403195/gr-40405033 ('halb acht' 7:30, 'drei Uhr nachmittags', 'acht Uhr abends', 'zwölf Uhr mittags')"
D_SLOW = "https://slowgerman.com/tag/uhrzeit/ ('Viertel nach drei', 'Viertel vor vier', 'dreiviertel vier', 'fünf vor halb acht' = 7:25)"
D_SAAR = "https://www.saarbruecker-zeitung.de/saarland/saarlouis/kolumnen/wem-die-viertel-stunde-schlaegt_aid-23902061 ('Viertel acht' = 7:15, 'dreiviertel fünf', 'zehn vor halb neun' = 8:20)"
D_TING = "http://de.tingroom.com/yufa/yuanban/17622.html (formell 24 Stunden 'achtzehn Uhr', umgangssprachlich 'halb sieben', Tageszeit morgens/abends)"
D_ACADORO = "https://www.acadoro.help/doku/terminserie-erstellen (Serientermine nur an Werktagen (Mo-Fr), Anzahl oder Enddatum)"
D_CRIS = "https://cris.document360.io/docs/menupunkt-serie (Serientermine, Ferienzeiten ausnehmen)"
D_ARBEITSTAGE = "https://www.arbeitstage.de/FR/wie_viele_arbeitstage_im_jahr_1991_Saarland.htm (Arbeitstage: Wochenenden und Feiertage abgezogen; Christi Himmelfahrt, Pfingstmontag ...)"
D_DST = "https://ol.wittich.de/titel/186/ausgabe/13/2024/artikel/00000000000041712525-OL-186-2024-13-13-0 (Uhr von 2.00 auf 3.00 Uhr vorgestellt, die Zeit dazwischen fällt weg)"
D_DST2 = "https://www.nak-bergheim.de/db/363931/Meldungen/Die-Sommerzeit-beginnt (Ende der Sommerzeit: die Stunde von 2 bis 3 Uhr erscheint zweimal, 2A und 2B)"
D_KALARM = "https://docs.kde.org/stable5/de/kalarm/kalarm/alarm-edit-dlg.html (KAlarm: Erinnerung bearbeiten, Wiederholung)"
D_DHTMLX = "https://docs.dhtmlx.com/de/scheduler/api__scheduler_recurring_workdays_config.html (Arbeitstage für 'jeden Werktag': Montag bis Freitag)"
D_DE = Lang("de", "Europe/Berlin")
d = D_DE
d.r("basic", "jeden Montag um 9 Uhr", weekly([MO], 9), D_AKADEMIE)
d.r("basic", "jeden Mo, Fr um 20:00", weekly([MO, FR], 20), D_TODOIST)
d.r("basic", "jeden 2. des Monats um 10 Uhr", monthly(day=2, h=10), D_TODOIST)
d.r("basic", "montags und mittwochs um 18 Uhr", weekly([MO, WE], 18), D_MSC)
d.r("basic", "am ersten und dritten Freitag des Monats um 15 Uhr", monthly(weekday=[nth(1, FR), nth(3, FR)], h=15), D_MSC)
d.r("basic", "jeden ersten Montag im Monat um 9 Uhr", monthly(weekday=[nth(1, MO)], h=9), D_AKADEMIE)
d.r("basic", "alle 3 Wochen dienstags", weekly([TU], 9, interval=3), D_MOREJU)
d.r("basic", "alle zwei Wochen am Montag um 8 Uhr", weekly([MO], 8, interval=2), D_PORTATOUR)
d.r("basic", "jedes Jahr am 31.08.", yearly(8, 31), D_FOERDE)
d.r("basic", "täglich um 7:30 Uhr", daily(7, 30), D_LOGINEO)
d.r("basic", "alle 3 Tage", every_n_days(3), D_LOGINEO)
d.r("basic", "14-täglich am Donnerstag um 19 Uhr", weekly([TH], 19, interval=2), D_EMMAUS)
d.r("basic", "jeden Tag um 12 Uhr", daily(12), D_DW, now="2026-06-10T13:00:00")
d.r("basic", "wöchentlich am Freitag um 16 Uhr", weekly([FR], 16), D_LOGINEO)
d.r("basic", "monatlich am 1. um 8 Uhr", monthly(day=1, h=8), D_MOREJU)
d.r("basic", "am letzten Tag jedes Monats um 18 Uhr", monthly(day=-1, h=18), D_MOREJU)
d.r("basic", "jeden Samstag und Sonntag um 10 Uhr", weekly([SA, SU], 10), D_MSC)
d.r("basic", "jedes Wochenende um 9 Uhr", weekly([SA, SU], 9), D_TODOIST)
d.r("basic", "jeden zweiten Mittwoch um 14 Uhr", weekly([WE], 14, interval=2), D_FOERDE)
d.r("basic", "jeden 15. um 12 Uhr", monthly(day=15, h=12), D_TODOIST)
d.r("basic", "jedes Jahr am 3. Oktober um 10 Uhr", yearly(10, 3, 10), D_FOERDE)
d.r("basic", "dienstags und donnerstags um halb neun", weekly([TU, TH], 8, 30), D_DW)
d.r("basic", "jeden Morgen um 6 Uhr", daily(6), D_TING)
d.r("basic", "jeden Abend um 8", daily(20), D_DW)

d.o("oneoff", "morgen um 8 Uhr", once(2026, 6, 11, 8, 0), D_DW)
d.o("oneoff", "morgen um halb acht", once(2026, 6, 11, 7, 30), D_DW)
d.o("oneoff", "heute um drei Uhr nachmittags", once(2026, 6, 10, 15, 0), D_DW)
d.o("oneoff", "morgen um acht Uhr abends", once(2026, 6, 11, 20, 0), D_DW)
d.o("oneoff", "übermorgen um 10 Uhr", once(2026, 6, 12, 10, 0), D_TING)
d.o("oneoff", "am Freitag um Viertel nach drei", once(2026, 6, 12, 15, 15), D_SLOW)
d.o("oneoff", "morgen um Viertel vor vier", once(2026, 6, 11, 15, 45), D_SLOW)
d.o("oneoff", "morgen um dreiviertel vier", once(2026, 6, 11, 15, 45), D_SLOW)
d.o("oneoff", "morgen um fünf vor halb acht", once(2026, 6, 11, 7, 25), D_SLOW)
d.o("oneoff", "morgen um zehn vor halb neun", once(2026, 6, 11, 8, 20), D_SAAR)
d.o("oneoff", "morgen um Viertel acht", once(2026, 6, 11, 7, 15), D_SAAR)
d.o("oneoff", "in 20 Minuten", after(minutes=20), D_KALARM)
d.o("oneoff", "in einer Stunde", after(hours=1), D_KALARM)
d.o("oneoff", "in anderthalb Stunden", after(minutes=90), D_KALARM)
d.o("oneoff", "in 3 Tagen um 9 Uhr", once(2026, 6, 13, 9, 0), D_KALARM)
d.o("oneoff", "am 24.12. um 18 Uhr", once(2026, 12, 24, 18, 0), D_FOERDE)
d.o("oneoff", "am 3. März um 10 Uhr", once(2027, 3, 3, 10, 0), D_FOERDE)
d.o("oneoff", "nächste Woche", once(2026, 6, 15, 9, 0), D_KALARM)
d.o("oneoff", "nächsten Dienstag um 14 Uhr", once(2026, 6, 16, 14, 0), D_KALARM, now=SAT)
d.o("oneoff", "am Montag um 9", once(2026, 6, 15, 9, 0), D_AKADEMIE)
d.o("oneoff", "heute Abend um 7", once(2026, 6, 10, 19, 0), D_DW)
d.o("oneoff", "morgen früh um 6", once(2026, 6, 11, 6, 0), D_TING)
d.o("oneoff", "Donnerstag 14:00", once(2026, 6, 11, 14, 0), D_TODOIST)
d.o("oneoff", "am 15.07.2026 um 11:30", once(2026, 7, 15, 11, 30), D_MICROTECH)
d.o("oneoff", "morgen Mittag", once(2026, 6, 11, 12, 0), D_DW)

d.r("business", "jeden Werktag um 8 Uhr", daily(8, days=WEEKDAYS), D_ACADORO)
d.r("business", "werktags um 7:45", daily(7, 45, days=WEEKDAYS), D_DHTMLX)
d.r("business", "am ersten Werktag des Monats um 9 Uhr", business_day(1), D_MOREJU)
d.r("business", "am letzten Werktag im Monat um 16 Uhr", business_day(-1, h=16), D_MOREJU)
d.r("business", "am dritten Arbeitstag des Monats", business_day(3), D_MOREJU)
d.r("business", "am vorletzten Freitag im Monat um 10 Uhr", monthly(weekday=[nth(-2, FR)], h=10), D_MOREJU)
d.r("business", "am letzten Freitag im Monat um 15 Uhr", monthly(weekday=[nth(-1, FR)], h=15), D_MOREJU)
d.r("business", "jeden zweiten Monat am letzten Freitag", monthly(weekday=[nth(-1, FR)], interval=2), D_MOREJU)
d.r("business", "zweimal im Monat, am 1. und 15.", monthly(day=[1, 15]), D_MOREJU)
d.r("business", "am ersten Tag jedes Quartals", monthly(day=1, months=[1, 4, 7, 10]), D_MOREJU)
d.r("business", "am letzten Werktag des Quartals um 17 Uhr", business_day(-1, h=17, months=[3, 6, 9, 12]), D_MOREJU)
d.r("business", "jeden Werktag um 9 Uhr außer an Feiertagen", daily(9, days=WEEKDAYS, skip=HOL_DE), D_CRIS,
    now="2026-05-12T10:00:00")
d.r("business", "am ersten Arbeitstag im Monat um 9 Uhr, Feiertage ausgenommen", business_day(1, holidays=HOL_DE),
    D_ARBEITSTAGE, now="2026-11-20T10:00:00")
d.r("business", "jeden Werktag außer an Feiertagen in Deutschland um 8 Uhr", daily(8, days=WEEKDAYS, skip=HOL_DE),
    D_ARBEITSTAGE, now="2026-12-22T10:00:00")
d.r("business", "am zweiten Dienstag jedes Monats um 10 Uhr", monthly(weekday=[nth(2, TU)], h=10), D_MOREJU)
d.r("business", "jeden Monat am vorletzten Tag", monthly(day=-2), D_MOREJU)

d.r("windows", "stündlich von 9 bis 17 Uhr", clock(window=((9, 0), (17, 0)), step=60), D_LOGINEO)
d.r("windows", "jede Stunde zwischen 22 und 2 Uhr", clock(window=((22, 0), (2, 0)), step=60), D_LOGINEO, now=LATE)
d.r("windows", "alle 15 Minuten zwischen 8 und 9 Uhr", clock(window=((8, 0), (9, 0)), step=15), D_LOGINEO)
d.r("windows", "werktags alle 30 Minuten von 9 bis 12 Uhr", clock(window=((9, 0), (12, 0)), step=30, days=WEEKDAYS),
    D_ACADORO, now=FRI_LATE)
d.r("windows", "jede Stunde um :15 und :45", clock(minutes=[15, 45]), D_LOGINEO)
d.r("windows", "zur vollen Stunde", clock(minutes=[0]), D_DW)
d.r("windows", "jede halbe Stunde zwischen 18 und 20 Uhr", clock(window=((18, 0), (20, 0)), step=30), D_LOGINEO)
d.r("windows", "täglich um 10, 14 und 18 Uhr", daily(0, times=[(10, 0), (14, 0), (18, 0)]), D_LOGINEO)
d.r("windows", "jeden Tag um 8 und um 20 Uhr", daily(0, times=[(8, 0), (20, 0)]), D_LOGINEO)
d.r("windows", "stündlich zwischen 1 und 5 Uhr", clock(window=((1, 0), (5, 0)), step=60), D_LOGINEO)

d.r("informal", "Mo-Fr 8 Uhr", daily(8, days=WEEKDAYS), D_FOERDE)
d.r("informal", "Mo–Fr um 7", daily(7, days=WEEKDAYS), D_FOERDE)
d.r("informal", "tägl. 7:30", daily(7, 30), D_LOGINEO)
d.o("informal", "mrgn 9 uhr", once(2026, 6, 11, 9, 0), D_TODOIST)
d.o("informal", "Do 14 Uhr", once(2026, 6, 11, 14, 0), D_TODOIST)
d.o("informal", "in ner halben Stunde", after(minutes=30), D_KALARM)
d.o("informal", "am Mitwoch um 9", once(2026, 6, 17, 9, 0), D_MSC)
d.r("informal", "jeden Diensatg um 18 Uhr", weekly([TU], 18), D_MOREJU)
d.o("informal", "heut abend um 8", once(2026, 6, 10, 20, 0), D_DW)
d.r("informal", "jeden mo 9:00", weekly([MO], 9), D_TODOIST)
d.o("informal", "morgen um 1730", once(2026, 6, 11, 17, 30), D_TING)
d.o("informal", "um 1930", once(2026, 6, 10, 19, 30), D_TING)

d.r("bounded", "jeden Tag um 8 Uhr, 3 Mal", daily(8, count=3), D_MICROTECH)
d.r("bounded", "jeden Montag für die nächsten 3 Wochen", weekly([MO], 9, until=dt(2026, 7, 1, 10, 0)), D_LOGINEO)
d.r("bounded", "täglich um 20 Uhr bis zum 12.06.", daily(20, until=dt(2026, 6, 12, 23, 59)), D_MICROTECH)
d.r("bounded", "jeden Freitag bis Ende Juni um 16 Uhr", weekly([FR], 16, until=dt(2026, 6, 30, 23, 59)), D_MICROTECH)
d.r("bounded", "wöchentlich am Mittwoch um 18 Uhr, endet nach 2 Terminen", weekly([WE], 18, count=2), D_MICROTECH)
d.r("bounded", "jeden Dienstag um 10 Uhr bis Juli", weekly([TU], 10, until=dt(2026, 6, 30, 23, 59)), D_MICROTECH)
d.i("bounded", "alle 2 Stunden, 2 Mal", every(count=2, hours=2), D_MOREJU)
d.r("bounded", "ab dem 1. Juli jeden Montag um 9 Uhr", weekly([MO], 9, start=dt(2026, 7, 1)), D_MICROTECH)
d.r("bounded", "vom 15. bis 17. Juni täglich um 8 Uhr", daily(8, start=dt(2026, 6, 15), until=dt(2026, 6, 17, 23, 59)),
    D_LOGINEO)
d.r("bounded", "jeden Montag, 2 Mal", weekly([MO], 9, count=2), D_MOREJU)

d.r("dst", "täglich um 2:30 Uhr", daily(2, 30), D_DST, now="2027-03-26T12:00:00")
d.r("dst", "jeden Tag um 2:30 Uhr", daily(2, 30), D_DST2, now="2026-10-24T12:00:00")
d.i("dst", "alle 30 Minuten", every(minutes=30), D_DST, now="2027-03-28T01:15:00")
d.o("dst", "in 2 Stunden", after(hours=2), D_DST2, now="2026-10-25T01:30:00")
d.r("dst", "jeden Sonntag um 9 Uhr", weekly([SU], 9), D_DST2, now="2026-10-23T12:00:00", tz="Europe/Vienna")
d.r("dst", "stündlich zwischen 1 und 4 Uhr", clock(window=((1, 0), (4, 0)), step=60), D_DST, now="2027-03-27T12:00:00")
d.o("dst", "morgen um 2:15 Uhr", once(2027, 3, 28, 2, 15), D_DST, now="2027-03-27T10:00:00", tz="Europe/Zurich")
d.r("dst", "jeden Tag um 9 Uhr", daily(9), D_LOGINEO, tz="Asia/Kathmandu")
d.i("dst", "alle 45 Minuten", every(minutes=45), D_LOGINEO, tz="Asia/Kolkata")

d.x("irgendwann nächste Woche", "vague", D_KALARM)
d.x("am Freitag um Mitternacht", "ambiguous", D_DW)
d.x("morgen um 7 oder 8", "ambiguous", D_DW)
d.x("jeden Werktag am Sonntag", "contradiction", D_ACADORO)
d.x("am 30. Februar", "impossible", D_FOERDE)
d.x("gestern um 5", "past", D_DW)
d.x("Milch kaufen", "not a schedule", D_TODOIST)
d.x("um 25 Uhr", "impossible", D_TING)
d.x("demnächst", "vague", D_KALARM)
d.x("am Donnerstag zum Feierabend", "ambiguous", D_DW)

# ============================== Spanish ======================================================
E_CORTLAND = "http://studentweb.cortland.edu/Sarah.Allen02/Final-Project/gramatica.html ('y cuarto', 'y media', 'las siete menos cuarto' = 6:45, 'a las dos')"
E_INFL = "https://influentialidiomas.com.br/falando-sobre-a-hora-pag ('de la madrugada/mañana/tarde/noche': 'las nueve menos cuarto de la noche' = 20:45, 'las tres y veinte de la madrugada')"
E_APRENDE = "http://especialistas.aprendebrasil.com.br/como-preguntar-y-decir-la-hora/ ('las siete y cuarto' 07:15 o 19:15, 'las once menos cuarto')"
E_SLIDE = "https://slideplayer.com./amp/16061180 ('Es mediodía', 'Es medianoche'; de la mañana/tarde/noche en lugar de a.m./p.m.)"
E_DST = "https://telejumilla.es/2019/03/29/este-fin-de-semana-llega-el-horario-de-verano/ (la madrugada del último domingo de marzo, a las 2 serán las 3)"
E_DST_FALL = "https://elfarodeceuta.es/cambio-de-hora-a-las-0300-seran-las-0200 (fin del horario de verano: a las 03.00 serán las 02.00)"
E_CHILE_FALL = "https://cooperativa.cl/noticias/site/artic/20200330/pags-amp/20200330121634.html (Chile: a las 24:00 se retrocede a las 23:00)"
E_CHILE_SPRING = "https://www.pudahuel.cl/noticias/2019/09/que-no-se-le-olvide-este-sabado-se-cambia-la-hora-en-chile/amp (Chile: de las 23:59 se adelanta a la 01:00 del domingo)"
E_CR = "http://www.pgrweb.go.cr/scij/Busqueda/Normativa/Normas/nrm_articulo.aspx?param1=NRA&nValor1=1&nValor2=41648&nValor3=43896&nValor5=181960&strTipM=FA ('los días viernes iniciándose a las quince horas', 'Los últimos viernes de cada mes')"
E_UNAM = "http://bcct.unam.mx/gbc/reuniones/index.html ('Las reuniones ordinarias serán cada dos meses')"
E_ZAC = "https://congresozac.gob.mx/f/articulo&art=46718&ley=148&tit=1&cap=0&sec=0 ('el primer día hábil del siguiente mes')"
E_MEETERGO = "https://meetergo.com/es/blog/amable-recordatorio ('24-48 horas antes', 'El siguiente día laborable', '2-3 días antes')"
E_GAPPS = "https://developers-dot-devsite-v2-prod.appspot.com/apps-script/reference/calendar/recurrence-rule?hl=es (regla de recurrencia: diaria, semanal, mensual; times(), interval(), onlyOnWeekdays)"
E_TASKBOT = "https://git.server.brobert.net/brobert/taskbot/src/commit/8f8005dca1253f69e302c02f51e5c15c6d51d17b/README.old.md?display=source (bot de tareas de WhatsApp: escribir 'hoy' o 'mañana' al crear; TZ Europe/Madrid)"
E_VOZ = "https://www.lavozdegalicia.es/noticia/yes/2021/11/13/dos-alexas-bano-salita/0003_202111SY13P4991.htm ('que a las 11.00 me avise para llamar a alguien')"
E_VIATEA = "https://viatea.es/tutoriales/como-usar-las-rutinas-de-alexa/ (rutina programada a una hora en días específicos, solo fines de semana, solo días laborales)"
E_CONTACT = "http://nl.contactoffice.com/virtual-office/es/support/calendar.jsp (Periodicidad: repetir un evento, reuniones semanales, excepciones en vacaciones)"
E_OX = "http://appcenter.software-univention.de/univention-repository/4.0/maintained/component/oxseforucs_20151112/all/open-xchange-appsuite-help-es-es_7.8.0-6_all.deb (citas, repeticiones, recordatorios)"
E_ES = Lang("es", "Europe/Madrid")
e = E_ES
e.r("basic", "cada lunes a las 9", weekly([MO], 9), E_CORTLAND)
e.r("basic", "todos los martes y jueves a las 19:00", weekly([TU, TH], 19), E_GAPPS)
e.r("basic", "todos los viernes a las quince horas", weekly([FR], 15), E_CR)
e.r("basic", "los últimos viernes de cada mes a las 3 de la tarde", monthly(weekday=[nth(-1, FR)], h=15), E_CR)
e.r("basic", "cada dos meses el día 10", monthly(day=10, interval=2), E_UNAM)
e.r("basic", "el primer lunes de cada mes a las 10", monthly(weekday=[nth(1, MO)], h=10), E_GAPPS)
e.r("basic", "el segundo martes de cada mes", monthly(weekday=[nth(2, TU)]), E_GAPPS)
e.r("basic", "cada 3 días", every_n_days(3), E_GAPPS)
e.r("basic", "todos los días a las 8 de la mañana", daily(8), E_INFL)
e.r("basic", "cada día a las 10 de la noche", daily(22), E_INFL)
e.r("basic", "cada quince días, los lunes a las 9", weekly([MO], 9, interval=2), E_CONTACT)
e.r("basic", "semanalmente los miércoles a las 17:30", weekly([WE], 17, 30), E_GAPPS)
e.r("basic", "mensualmente el día 1 a las 8:00", monthly(day=1, h=8), E_GAPPS)
e.r("basic", "el último día de cada mes a las 18:00", monthly(day=-1, h=18), E_GAPPS)
e.r("basic", "todos los años el 12 de octubre", yearly(10, 12), E_GAPPS)
e.r("basic", "los sábados y domingos a las 11", weekly([SA, SU], 11), E_VIATEA)
e.r("basic", "cada fin de semana a las 10", weekly([SA, SU], 10), E_VIATEA)
e.r("basic", "cada 2 semanas los jueves a las 18 h", weekly([TH], 18, interval=2), E_CONTACT)
e.r("basic", "todas las mañanas", daily(9), E_INFL)
e.r("basic", "cada noche a las 11", daily(23), E_INFL)
e.r("basic", "el 5 de cada mes a las 12:00", monthly(day=5, h=12), E_GAPPS)
e.r("basic", "todos los días a mediodía", daily(12), E_SLIDE)

e.o("oneoff", "mañana a las 10", once(2026, 6, 11, 10, 0), E_TASKBOT)
e.o("oneoff", "mañana a las 8 y media", once(2026, 6, 11, 8, 30), E_CORTLAND)
e.o("oneoff", "pasado mañana a las 7 y cuarto", once(2026, 6, 12, 7, 15), E_APRENDE)
e.o("oneoff", "hoy a las 9 menos cuarto de la noche", once(2026, 6, 10, 20, 45), E_INFL)
e.o("oneoff", "mañana a las 4 de la tarde", once(2026, 6, 11, 16, 0), E_INFL)
e.o("oneoff", "mañana a las 3 y veinte de la madrugada", once(2026, 6, 11, 3, 20), E_INFL)
e.o("oneoff", "el viernes a mediodía", once(2026, 6, 12, 12, 0), E_SLIDE)
e.o("oneoff", "dentro de 20 minutos", after(minutes=20), E_MEETERGO)
e.o("oneoff", "en media hora", after(minutes=30), E_MEETERGO)
e.o("oneoff", "en 2 horas", after(hours=2), E_MEETERGO)
e.o("oneoff", "dentro de 3 días a las 9", once(2026, 6, 13, 9, 0), E_MEETERGO)
e.o("oneoff", "el 24 de diciembre a las 20:00", once(2026, 12, 24, 20, 0), E_OX)
e.o("oneoff", "el 3/7 a las 10", once(2026, 7, 3, 10, 0), E_TASKBOT)
e.o("oneoff", "el lunes que viene a las 9", once(2026, 6, 15, 9, 0), E_OX)
e.o("oneoff", "la semana que viene", once(2026, 6, 15, 9, 0), E_OX)
e.o("oneoff", "el próximo martes a las 17:00", once(2026, 6, 16, 17, 0), E_OX, now=SAT)
e.o("oneoff", "esta tarde a las 6", once(2026, 6, 10, 18, 0), E_INFL)
e.o("oneoff", "mañana por la mañana", once(2026, 6, 11, 9, 0), E_INFL)
e.o("oneoff", "el 15 de julio de 2026 a las 11:30", once(2026, 7, 15, 11, 30), E_OX)
e.o("oneoff", "el sábado", once(2026, 6, 13, 9, 0), E_OX)
e.o("oneoff", "hoy a las 23:45", once(2026, 6, 10, 23, 45), E_VOZ)
e.o("oneoff", "a las 11 y media", once(2026, 6, 10, 11, 30), E_VOZ)

e.r("business", "todos los días laborables a las 8", daily(8, days=WEEKDAYS), E_VIATEA)
e.r("business", "de lunes a viernes a las 7:30", daily(7, 30, days=WEEKDAYS), E_VIATEA)
e.r("business", "el primer día hábil de cada mes a las 9", business_day(1), E_ZAC)
e.r("business", "el último día hábil del mes a las 17:00", business_day(-1, h=17), E_ZAC)
e.r("business", "el penúltimo viernes de cada mes", monthly(weekday=[nth(-2, FR)]), E_CR)
e.r("business", "el tercer día hábil de cada mes a las 10", business_day(3, h=10), E_ZAC)
e.r("business", "dos veces al mes, los días 1 y 15", monthly(day=[1, 15]), E_GAPPS)
e.r("business", "cada dos meses el último viernes", monthly(weekday=[nth(-1, FR)], interval=2), E_UNAM)
e.r("business", "el primer día de cada trimestre a las 9", monthly(day=1, months=[1, 4, 7, 10]), E_GAPPS)
e.r("business", "el último día hábil de cada trimestre", business_day(-1, months=[3, 6, 9, 12]), E_ZAC)
e.r("business", "todos los días laborables a las 9 excepto festivos", daily(9, days=WEEKDAYS, skip=HOL_ES), E_CONTACT,
    now="2026-04-29T12:00:00")
e.r("business", "días laborables a las 8:30 salvo festivos en España", daily(8, 30, days=WEEKDAYS, skip=HOL_ES),
    E_MEETERGO, now="2026-12-04T12:00:00")
e.r("business", "el cuarto jueves de noviembre de cada año", yearly(11, weekday=nth(4, TH)), E_GAPPS)
e.o("business", "el último lunes de mayo", once(2026, 5, 25, 9, 0), E_GAPPS, now="2026-05-01T10:00:00")
e.r("business", "el primer y tercer miércoles de cada mes a las 18:00",
    monthly(weekday=[nth(1, WE), nth(3, WE)], h=18), E_CR)

e.r("windows", "cada hora de 9 a 18", clock(window=((9, 0), (18, 0)), step=60), E_GAPPS)
e.r("windows", "cada hora entre las 22 y las 2", clock(window=((22, 0), (2, 0)), step=60), E_GAPPS, now=LATE)
e.r("windows", "cada 15 minutos entre las 8 y las 9", clock(window=((8, 0), (9, 0)), step=15), E_GAPPS)
e.r("windows", "cada 30 minutos de 9 a 12 de lunes a viernes", clock(window=((9, 0), (12, 0)), step=30, days=WEEKDAYS),
    E_VIATEA, now=FRI_LATE)
e.r("windows", "cada hora a los 15 y a los 45 minutos", clock(minutes=[15, 45]), E_CORTLAND)
e.r("windows", "cada hora en punto", clock(minutes=[0]), E_CORTLAND)
e.r("windows", "todos los días a las 9, a las 14 y a las 21", daily(0, times=[(9, 0), (14, 0), (21, 0)]), E_GAPPS)
e.r("windows", "cada media hora entre las 18 y las 20", clock(window=((18, 0), (20, 0)), step=30), E_GAPPS)
e.r("windows", "a las 8 y a las 20 todos los días", daily(0, times=[(8, 0), (20, 0)]), E_GAPPS)

e.o("informal", "mñn a las 10", once(2026, 6, 11, 10, 0), E_TASKBOT)
e.o("informal", "mañana 10am", once(2026, 6, 11, 10, 0), E_TASKBOT)
e.r("informal", "lun a vie 8am", daily(8, days=WEEKDAYS), E_VIATEA)
e.r("informal", "cada lun a las 9", weekly([MO], 9), E_CORTLAND)
e.o("informal", "hoy a las 6 pm", once(2026, 6, 10, 18, 0), E_SLIDE)
e.r("informal", "todos los dias a las 8", daily(8), E_INFL)
e.o("informal", "manana a las 9", once(2026, 6, 11, 9, 0), E_TASKBOT)
e.o("informal", "el jueves a las 14h", once(2026, 6, 11, 14, 0), E_CR)
e.o("informal", "hoy x la tarde a las 5", once(2026, 6, 10, 17, 0), E_INFL)
e.o("informal", "miercoles 9:00", once(2026, 6, 17, 9, 0), E_OX)
e.o("informal", "en 5 min", after(minutes=5), E_MEETERGO)
e.r("informal", "cada sabado a las 10", weekly([SA], 10), E_VIATEA)

e.r("bounded", "todos los días a las 8, 3 veces", daily(8, count=3), E_GAPPS)
e.r("bounded", "cada lunes durante 3 semanas", weekly([MO], 9, until=dt(2026, 7, 1, 10, 0)), E_GAPPS)
e.r("bounded", "todos los días a las 20:00 hasta el 12 de junio", daily(20, until=dt(2026, 6, 12, 23, 59)), E_GAPPS)
e.r("bounded", "cada viernes hasta finales de junio", weekly([FR], 9, until=dt(2026, 6, 30, 23, 59)), E_GAPPS)
e.r("bounded", "cada martes a las 10 hasta julio", weekly([TU], 10, until=dt(2026, 6, 30, 23, 59)), E_GAPPS)
e.i("bounded", "cada 2 horas, 2 veces", every(count=2, hours=2), E_GAPPS)
e.r("bounded", "a partir del 1 de julio, cada lunes a las 9", weekly([MO], 9, start=dt(2026, 7, 1)), E_GAPPS)
e.r("bounded", "del 15 al 17 de junio todos los días a las 8",
    daily(8, start=dt(2026, 6, 15), until=dt(2026, 6, 17, 23, 59)), E_GAPPS)
e.r("bounded", "cada miércoles a las 18:00, 2 veces", weekly([WE], 18, count=2), E_GAPPS)
e.r("bounded", "cada jueves a las 9 durante dos semanas", weekly([TH], 9, until=dt(2026, 6, 24, 10, 0)), E_GAPPS)

# Corrected after the blind score (see bench/RESULTS.md): a bare 'a las 2:30' is 14:30 under the
# documented house rule (bare hours 1-6 read as afternoon); these rows meant the night.
e.r("dst", "todos los días a las 2:30 de la madrugada", daily(2, 30), E_DST, now="2027-03-26T12:00:00")
e.r("dst", "cada día a las 2:30 de la madrugada", daily(2, 30), E_DST_FALL, now="2026-10-24T12:00:00")
e.r("dst", "todos los días a la 1:30 de la madrugada", daily(1, 30), E_DST, now="2027-03-26T12:00:00", tz="Atlantic/Canary")
e.r("dst", "todos los días a medianoche", daily(0), E_CHILE_SPRING, now="2026-09-04T12:00:00", tz="America/Santiago")
e.r("dst", "todos los días a las 23:30", daily(23, 30), E_CHILE_FALL, now="2026-04-03T12:00:00", tz="America/Santiago")
e.i("dst", "cada 30 minutos", every(minutes=30), E_CHILE_SPRING, now="2026-09-05T23:15:00", tz="America/Santiago")
e.r("dst", "cada domingo a las 2:30 de la madrugada", weekly([SU], 2, 30), E_DST, now="2026-03-27T12:00:00", tz="America/Mexico_City")
e.o("dst", "en 3 horas", after(hours=3), E_CHILE_FALL, now="2026-04-04T22:30:00", tz="America/Santiago")
e.r("dst", "todos los días a las 9", daily(9), E_GAPPS, tz="Asia/Kathmandu")

e.x("algún día de la semana que viene", "vague", E_OX)
e.x("el viernes a medianoche", "ambiguous", E_SLIDE)
e.x("mañana a las 7 u 8", "ambiguous", E_CORTLAND)
e.x("todos los días laborables los domingos", "contradiction", E_VIATEA)
e.x("el 31 de abril", "impossible", E_OX)
e.x("ayer a las 5", "past", E_CORTLAND)
e.x("llamar a mamá", "not a schedule", E_TASKBOT)
e.x("a las 26:00", "impossible", E_CORTLAND)
e.x("pronto", "vague", E_MEETERGO)
e.x("el jueves a última hora", "ambiguous", E_MEETERGO)

# ============================== French =======================================================
F_GRAPH = "https://learn.microsoft.com./fr-ca/graph/outlook-schedule-recurring-events ('tous les 3 jours', 'tous les jeudis', 'le 22 juillet de chaque année', 'tous les deuxièmes mardis du mois')"
F_OX = "http://software.open-xchange.com/products/appsuite/7.6.1/OX6ui/DebianSqueeze/all/open-xchange-online-help-fr-fr_6.22.8-8_all.deb (rendez-vous répétitif 'tous les deux jours', 'doit avoir lieu 5 fois', quotidien/hebdomadaire/mensuel)"
F_UOC = "https://aprenentatge.recursos.uoc.edu/continguts/PID_00215195/def3.html ('sept heures du soir' 19h, 'une heure de l'après-midi', 'cinq heures moins le quart', 'midi', 'minuit', 'dix-sept heures')"
F_GOLO = "https://www.golo.co/en/français/nombres-et-temps/dire-lheure (du matin, de l'après-midi, du soir, de la nuit; format 24h à l'écrit)"
F_ANG = "https://francuski.ang.pl/forum/pomoc-jezykowa/156266 ('8 heures et demie', 'huit heures et quart', 'dix heures et quart du matin')"
F_ALAATTIN = "https://alaattintorun.tr.gg/16-.--Time-_Le-temps-qui-passe-.htm ('midi et demi', 'six heures et demie', 'sept heures moins le quart')"
F_DST = "https://www.ccdourdannais.com/on-change-dheure (passage à l'heure d'été: à 2h du matin, il sera en réalité 3h)"
F_DST_FALL = "https://sudsolidairesroute.com/2018/10/23/changement-dheure-dimanche-on-passe-a-lheure-dhiver/ (heure d'hiver: à 3h du matin, il sera 2h)"
F_CALZ = "https://www.calendarz.com/fr/blog/business-days-vs-calendar-days-hidden-rules-for-global-deadlines (jours ouvrés: lundi-vendredi hors fériés; jours ouvrables: lundi-samedi hors fériés)"
F_JOURS = "https://www.joursouvres.fr/FR/combien_jours_ouvres_annee_2013_Bas-Rhin,%20Haut-Rhin,%20Moselle.htm (jours fériés: Fête de la Victoire 8 mai, Ascension, Fête Nationale 14 juillet ...)"
F_AEM = "https://experienceleague.adobe.com/fr/docs/experience-manager-65/content/forms/administrator-help/configure-forms-workflow/configuring-business-calendars (rappel trois jours ouvrés après; jours fériés et week-ends non ouvrés)"
F_RECLOSES = "https://recloses.fr/index.php/vie-municipale/permanences-des-%C3%A9lus ('tous les samedis de 10h à 12h')"
F_FONTENAY = "https://www.untempsdavancepourfontenay.fr/5-septembre-2020-permanence-de-lopposition-municipale/ ('une permanence hebdomadaire le samedi matin entre 10h et 11h30')"
F_SIRI = "http://svizra-hi-tech.blogspot.com/2012/08/iphone-4s-ma-journee-avec-siri.html (réveil programmé, rappels, 'programmé pour aujourd'hui à 9 heures')"
F_SKI = "https://skiclubcugnaux.fr/index.php/agenda/agenda-du-passe/4-2019-10-19-18-55-34?iccaldate=2024-01-1 (le dernier dimanche d'octobre: à 3 heures, il est 2 heures)"
F_FR = Lang("fr", "Europe/Paris")
f = F_FR
f.r("basic", "tous les jeudis à 14h", weekly([TH], 14), F_GRAPH)
f.r("basic", "tous les 3 jours", every_n_days(3), F_GRAPH)
f.r("basic", "le 22 juillet de chaque année", yearly(7, 22), F_GRAPH)
f.r("basic", "tous les deuxièmes mardis du mois à 10h", monthly(weekday=[nth(2, TU)], h=10), F_GRAPH)
f.r("basic", "tous les deux jours à 8h", every_n_days(2, 8), F_OX)
f.r("basic", "tous les samedis à 10h", weekly([SA], 10), F_RECLOSES)
f.r("basic", "chaque lundi à 9h30", weekly([MO], 9, 30), F_GRAPH)
f.r("basic", "tous les jours à 7h", daily(7), F_OX)
f.r("basic", "tous les soirs à 21h", daily(21), F_GOLO)
f.r("basic", "chaque matin à 8 heures", daily(8), F_GOLO)
f.r("basic", "le premier lundi de chaque mois à 18h30", monthly(weekday=[nth(1, MO)], h=18, m=30), F_GRAPH)
f.r("basic", "un lundi sur deux à 9h", weekly([MO], 9, interval=2), F_OX)
f.r("basic", "tous les quinze jours le mercredi à 14h", weekly([WE], 14, interval=2), F_OX)
f.r("basic", "toutes les deux semaines le vendredi", weekly([FR], 9, interval=2), F_OX)
f.r("basic", "le 5 de chaque mois à 12h", monthly(day=5, h=12), F_GRAPH)
f.r("basic", "chaque mois le dernier jour à 18h", monthly(day=-1, h=18), F_OX)
f.r("basic", "tous les ans le 14 juillet à 10h", yearly(7, 14, 10), F_GRAPH)
f.r("basic", "les mardis et jeudis à 18h", weekly([TU, TH], 18), F_GRAPH)
f.r("basic", "tous les week-ends à 10h", weekly([SA, SU], 10), F_FONTENAY)
f.r("basic", "chaque dimanche à midi", weekly([SU], 12), F_UOC)
f.r("basic", "tous les mois le 1er à 9h", monthly(day=1, h=9), F_OX)
f.r("basic", "une fois par semaine le lundi à 8h", weekly([MO], 8), F_FONTENAY)

f.o("oneoff", "demain à 9h", once(2026, 6, 11, 9, 0), F_SIRI)
f.o("oneoff", "demain à 8 heures et demie", once(2026, 6, 11, 8, 30), F_ANG)
f.o("oneoff", "demain à 10 heures et quart du matin", once(2026, 6, 11, 10, 15), F_ANG)
f.o("oneoff", "aujourd'hui à 7 heures du soir", once(2026, 6, 10, 19, 0), F_UOC)
f.o("oneoff", "demain à 9 heures moins le quart", once(2026, 6, 11, 8, 45), F_UOC)
f.o("oneoff", "après-demain à 14h", once(2026, 6, 12, 14, 0), F_GOLO)
f.o("oneoff", "dans 20 minutes", after(minutes=20), F_SIRI)
f.o("oneoff", "dans une heure", after(hours=1), F_SIRI)
f.o("oneoff", "dans une demi-heure", after(minutes=30), F_SIRI)
f.o("oneoff", "dans 3 jours à 9h", once(2026, 6, 13, 9, 0), F_SIRI)
f.o("oneoff", "le 24 décembre à 18h", once(2026, 12, 24, 18, 0), F_GRAPH)
f.o("oneoff", "le 3/7 à 10h", once(2026, 7, 3, 10, 0), F_OX)
f.o("oneoff", "lundi prochain à 9h", once(2026, 6, 15, 9, 0), F_SIRI, now=SAT)
f.o("oneoff", "la semaine prochaine", once(2026, 6, 15, 9, 0), F_SIRI)
f.o("oneoff", "vendredi à midi", once(2026, 6, 12, 12, 0), F_UOC)
f.o("oneoff", "ce soir à 20h", once(2026, 6, 10, 20, 0), F_GOLO)
f.o("oneoff", "demain matin", once(2026, 6, 11, 9, 0), F_GOLO)
f.o("oneoff", "demain à midi et demi", once(2026, 6, 11, 12, 30), F_ALAATTIN)
f.o("oneoff", "mercredi à 15h", once(2026, 6, 10, 15, 0), F_SIRI)
f.o("oneoff", "le 15 juillet 2026 à 11h30", once(2026, 7, 15, 11, 30), F_OX)
f.o("oneoff", "jeudi à 3 heures de l'après-midi", once(2026, 6, 11, 15, 0), F_UOC)
f.o("oneoff", "à 23h45", once(2026, 6, 10, 23, 45), F_GOLO)

f.r("business", "tous les jours ouvrés à 8h30", daily(8, 30, days=WEEKDAYS), F_CALZ)
f.r("business", "tous les jours ouvrables à 8h", daily(8, days=[MO, TU, WE, TH, FR, SA]), F_CALZ, now="2026-06-12T10:00:00")
f.r("business", "du lundi au vendredi à 7h", daily(7, days=WEEKDAYS), F_CALZ)
f.r("business", "le premier jour ouvré du mois à 9h", business_day(1), F_CALZ)
f.r("business", "le dernier jour ouvré du mois à 17h", business_day(-1, h=17), F_CALZ)
f.r("business", "l'avant-dernier vendredi du mois", monthly(weekday=[nth(-2, FR)]), F_GRAPH)
f.r("business", "le troisième jour ouvré de chaque mois", business_day(3), F_AEM)
f.r("business", "deux fois par mois, le 1er et le 15", monthly(day=[1, 15]), F_OX)
f.r("business", "tous les deux mois le dernier vendredi", monthly(weekday=[nth(-1, FR)], interval=2), F_OX)
f.r("business", "le premier jour de chaque trimestre", monthly(day=1, months=[1, 4, 7, 10]), F_OX)
f.r("business", "le dernier jour ouvré du trimestre à 16h", business_day(-1, h=16, months=[3, 6, 9, 12]), F_CALZ)
f.r("business", "tous les jours ouvrés à 9h sauf jours fériés", daily(9, days=WEEKDAYS, skip=HOL_FR), F_JOURS,
    now="2026-05-06T12:00:00")
f.r("business", "chaque jour ouvré à 8h, hors jours fériés en France", daily(8, days=WEEKDAYS, skip=HOL_FR), F_AEM,
    now="2026-07-10T12:00:00")
f.r("business", "le dernier lundi de chaque mois", monthly(weekday=[nth(-1, MO)]), F_GRAPH)
f.r("business", "le 2e et le 4e jeudi du mois à 19h", monthly(weekday=[nth(2, TH), nth(4, TH)], h=19), F_GRAPH)

f.r("windows", "toutes les heures de 9h à 17h", clock(window=((9, 0), (17, 0)), step=60), F_RECLOSES)
f.r("windows", "toutes les heures entre 22h et 2h", clock(window=((22, 0), (2, 0)), step=60), F_GOLO, now=LATE)
f.r("windows", "toutes les 15 minutes entre 8h et 9h", clock(window=((8, 0), (9, 0)), step=15), F_GOLO)
f.r("windows", "toutes les 30 minutes de 9h à 12h du lundi au vendredi",
    clock(window=((9, 0), (12, 0)), step=30, days=WEEKDAYS), F_CALZ, now=FRI_LATE)
f.r("windows", "toutes les heures pile", clock(minutes=[0]), F_GOLO)
f.r("windows", "toutes les heures à la demie", clock(minutes=[30]), F_ALAATTIN)
f.r("windows", "tous les jours à 8h, 12h et 18h", daily(0, times=[(8, 0), (12, 0), (18, 0)]), F_OX)
f.r("windows", "toutes les demi-heures entre 18h et 20h", clock(window=((18, 0), (20, 0)), step=30), F_GOLO)
f.r("windows", "le samedi toutes les heures de 10h à 12h", clock(window=((10, 0), (12, 0)), step=60, days=[SA]),
    F_RECLOSES)

f.o("informal", "dem 9h", once(2026, 6, 11, 9, 0), F_SIRI)
f.r("informal", "ts les jours 8h", daily(8), F_OX)
f.r("informal", "tlj à 7h", daily(7), F_OX)
f.r("informal", "lun-ven 8h", daily(8, days=WEEKDAYS), F_CALZ)
f.o("informal", "ce soir 20h", once(2026, 6, 10, 20, 0), F_GOLO)
f.o("informal", "jeudi 14h", once(2026, 6, 11, 14, 0), F_GOLO)
f.o("informal", "demain 9h30", once(2026, 6, 11, 9, 30), F_SIRI)
f.o("informal", "ds 10 min", after(minutes=10), F_SIRI)
f.o("informal", "mercedi à 9h", once(2026, 6, 17, 9, 0), F_SIRI)
f.r("informal", "tous les lundi à 9h", weekly([MO], 9), F_GRAPH)
f.o("informal", "à 21h30", once(2026, 6, 10, 21, 30), F_GOLO)
f.o("informal", "demain aprem à 3h", once(2026, 6, 11, 15, 0), F_GOLO)

f.r("bounded", "tous les jours à 8h, 3 fois", daily(8, count=3), F_OX)
f.r("bounded", "chaque lundi pendant 3 semaines", weekly([MO], 9, until=dt(2026, 7, 1, 10, 0)), F_OX)
f.r("bounded", "tous les jours à 20h jusqu'au 12 juin", daily(20, until=dt(2026, 6, 12, 23, 59)), F_OX)
f.r("bounded", "chaque vendredi jusqu'à fin juin", weekly([FR], 9, until=dt(2026, 6, 30, 23, 59)), F_OX)
f.r("bounded", "chaque mardi à 10h jusqu'en juillet", weekly([TU], 10, until=dt(2026, 6, 30, 23, 59)), F_OX)
f.i("bounded", "toutes les 2 heures, 2 fois", every(count=2, hours=2), F_OX)
f.r("bounded", "à partir du 1er juillet, tous les lundis à 9h", weekly([MO], 9, start=dt(2026, 7, 1)), F_OX)
f.r("bounded", "du 15 au 17 juin tous les jours à 8h", daily(8, start=dt(2026, 6, 15), until=dt(2026, 6, 17, 23, 59)),
    F_OX)
f.r("bounded", "chaque mercredi à 18h, 2 fois", weekly([WE], 18, count=2), F_OX)
f.r("bounded", "tous les jeudis à 9h pendant deux semaines", weekly([TH], 9, until=dt(2026, 6, 24, 10, 0)), F_OX)

f.r("dst", "tous les jours à 2h30", daily(2, 30), F_DST, now="2027-03-26T12:00:00")
f.r("dst", "chaque jour à 2h30", daily(2, 30), F_DST_FALL, now="2026-10-24T12:00:00")
f.r("dst", "tous les jours à 2h30", daily(2, 30), F_DST, now="2026-03-06T12:00:00", tz="America/Toronto")
f.i("dst", "toutes les 30 minutes", every(minutes=30), F_SKI, now="2026-11-01T01:15:00", tz="America/Toronto")
f.r("dst", "tous les jours à 9h", daily(9), F_GOLO, tz="Pacific/Marquesas")
f.o("dst", "dans 2 heures", after(hours=2), F_DST, now="2027-03-28T01:30:00")
f.r("dst", "chaque dimanche à 9h", weekly([SU], 9), F_SKI, now="2026-10-23T12:00:00", tz="Europe/Brussels")
f.r("dst", "toutes les heures entre 1h et 4h", clock(window=((1, 0), (4, 0)), step=60), F_DST, now="2027-03-27T12:00:00")
f.r("dst", "tous les jours à 7h", daily(7), F_GOLO, tz="Pacific/Chatham")

f.x("un de ces jours", "vague", F_SIRI)
f.x("vendredi à minuit", "ambiguous", F_UOC)
f.x("demain à 7h ou 8h", "ambiguous", F_GOLO)
f.x("tous les jours ouvrés le dimanche", "contradiction", F_CALZ)
f.x("le 30 février", "impossible", F_GRAPH)
f.x("hier à 17h", "past", F_GOLO)
f.x("acheter du pain", "not a schedule", F_SIRI)
f.x("à 26h", "impossible", F_GOLO)
f.x("bientôt", "vague", F_SIRI)
f.x("jeudi en fin de journée", "ambiguous", F_AEM)

# ============================== Portuguese ===================================================
P_GRAPH = "https://docs.microsoft.com/pt-br/graph/outlook-schedule-recurring-events ('a cada 3 dias', 'todas as quintas-feiras', 'em 22 de julho todos os anos', 'na segunda terça-feira de cada mês')"
P_LIVIN = "https://livinday.com/academia-da-organizacao/entenda-as-regras-das-repeticoes ('às 8h da manhã da segunda-feira', 'às 18h', 'dia 05 do mês', 'primeira quinta, ou última sexta', 'dia 7 de maio')"
P_BUILDFORGE = "https://download.boulder.ibm.com/ibmdl/pub/software/rationalsdp/documentation/updatesites/BuildForge7.1.3.6_updateSite.zip ('diariamente, às 17 h', 'toda segunda-feira às 16h30', 'a cada meia hora todos os dias da semana, exceto fins de semana', 'às 12h30, dia sim, dia não', 'às 1h01 no primeiro dia de cada mês')"
P_UMMENSE = "https://ummense.com/central-de-ajuda/tarefas/tarefas-recorrentes ('Todos os dias', 'Segunda a sexta', 'Semanalmente', 'Mensalmente')"
P_SCHAEFER = "https://www.arthurschaefer.com.br/?p=307 ('todo dia 28', 'todo último dia do mês'; diária, semanal, quinzenal, mensal)"
P_PAINEL = "https://painelfacil.com.br/tutoriais/tarefas-painel-facil-contabilidade/como-cadastrar-tarefas-recorrentes/ ('todo dia 20 de cada mês', 'Repetir Até 20/12/2025')"
P_PUBLI = "https://suporte.publi.com.br/kb/article/268154/tarefa-recorrente?menuId=13440-79877-268154 ('semanal, de segunda a sexta, com o término em 30/04/2022')"
P_G1 = "https://g1.globo.com/trabalho-e-carreira/noticia/2025/07/04/dia-do-pagamento-5o-dia-util-de-julho-cai-em-um-sabado-veja-como-ficam-os-salarios.ghtml (o 5º dia útil conta o sábado para salários; bancos só de segunda a sexta)"
P_ELAELE = "https://elaele.com.br/a/8267114-segunda-sexta-exceto-feriados-sao-dias-considerados-uteis-por-exemplo-semana-nao-teve-feriado-dia-primeir ('Segunda a sexta, exceto feriados, são os dias considerados úteis')"
P_WOEXAM = "http://bbs.woexam.com/forum.php?goto=lastpost&mod=redirect&tid=161321 ('meia-noite e meia', 'quinze para as duas', 'meio-dia e meia', 'da manhã', 'da tarde')"
P_FLIP = "https://online.flipbuilder.com/kbnq/mvsl/files/basic-html/page64.html ('São quatro da tarde', 'São sete da noite', 'É meia-noite')"
P_TALKPAL = "https://talkpal.ai/pt-pt/vocabulary/como-dizer-as-horas-em-portugues (12 horas com 'da manhã/da tarde/da noite'; 24 horas em horários: 'quinze horas')"
P_DST_PT = "https://guimaraesdigital.pt/index.php/informacao/sociedade/53578-portugal-vai-adiantar-os-relogios-uma-hora-na-madrugada-deste-domingo (à 01:00 os relógios passam para as 02:00; nos Açores à 00:00 passam para a 01:00)"
P_DST_PT_FALL = "https://radiobarcelos.pt/?p=23296 (às 02:00 os relógios são atrasados para a 01:00; nos Açores da 01:00 para a meia-noite)"
P_DST_BR = "http://radiosampaio.com.br/editoria/box-mais/ (horário de verão começava à 0h de domingo; o Brasil não o adota desde 2019)"
P_TIMELY = "https://support.timelybills.app/pt-BR/support/solutions/articles/84000370312--c%C3%B3mo-agregar-mis-facturas- (selecione a recorrência, hora do lembrete)"
P_PT = Lang("pt", "America/Sao_Paulo")
p = P_PT
p.r("basic", "toda segunda-feira às 16h30", weekly([MO], 16, 30), P_BUILDFORGE)
p.r("basic", "diariamente às 17h", daily(17), P_BUILDFORGE)
p.r("basic", "todo dia 28", monthly(day=28), P_SCHAEFER)
p.r("basic", "todo último dia do mês", monthly(day=-1), P_SCHAEFER)
p.r("basic", "a cada 3 dias", every_n_days(3), P_GRAPH)
p.r("basic", "todas as quintas-feiras às 14h", weekly([TH], 14), P_GRAPH)
p.r("basic", "em 22 de julho todos os anos", yearly(7, 22), P_GRAPH)
p.r("basic", "na segunda terça-feira de cada mês", monthly(weekday=[nth(2, TU)]), P_GRAPH)
p.r("basic", "na primeira quinta do mês às 10h", monthly(weekday=[nth(1, TH)], h=10), P_LIVIN)
p.r("basic", "na última sexta do mês às 18h", monthly(weekday=[nth(-1, FR)], h=18), P_LIVIN)
p.r("basic", "todo dia 5 do mês", monthly(day=5), P_LIVIN)
p.r("basic", "todos os dias às 8h", daily(8), P_UMMENSE)
p.r("basic", "semanalmente às quartas às 19h", weekly([WE], 19), P_UMMENSE)
p.r("basic", "quinzenalmente às segundas", weekly([MO], 9, interval=2), P_SCHAEFER)
p.r("basic", "toda semana na sexta às 17h", weekly([FR], 17), P_UMMENSE)
p.r("basic", "todo sábado às 10h", weekly([SA], 10), P_LIVIN)
p.r("basic", "todo fim de semana às 9h", weekly([SA, SU], 9), P_UMMENSE)
p.r("basic", "às terças e quintas às 7h", weekly([TU, TH], 7), P_LIVIN)
p.r("basic", "a cada duas semanas na quarta às 15h", weekly([WE], 15, interval=2), P_SCHAEFER)
p.r("basic", "todo mês no dia 1 às 8h", monthly(day=1, h=8), P_PAINEL)
p.r("basic", "todo ano no dia 7 de setembro", yearly(9, 7), P_LIVIN)
p.r("basic", "toda noite às 22h", daily(22), P_TALKPAL)
p.r("basic", "às 12h30, dia sim, dia não", every_n_days(2, 12, 30), P_BUILDFORGE)

p.o("oneoff", "amanhã às 10h", once(2026, 6, 11, 10, 0), P_TIMELY)
p.o("oneoff", "amanhã às 9 e meia", once(2026, 6, 11, 9, 30), P_WOEXAM)
p.o("oneoff", "depois de amanhã às 8h", once(2026, 6, 12, 8, 0), P_TALKPAL)
p.o("oneoff", "hoje às 4 da tarde", once(2026, 6, 10, 16, 0), P_FLIP)
p.o("oneoff", "amanhã às 7 da noite", once(2026, 6, 11, 19, 0), P_FLIP)
p.o("oneoff", "amanhã ao meio-dia e meia", once(2026, 6, 11, 12, 30), P_WOEXAM)
p.o("oneoff", "amanhã às quinze para as nove", once(2026, 6, 11, 8, 45), P_WOEXAM)
p.o("oneoff", "daqui a 20 minutos", after(minutes=20), P_TIMELY)
p.o("oneoff", "em meia hora", after(minutes=30), P_TIMELY)
p.o("oneoff", "daqui a 2 horas", after(hours=2), P_TIMELY)
p.o("oneoff", "em 3 dias às 9h", once(2026, 6, 13, 9, 0), P_TIMELY)
p.o("oneoff", "no dia 24 de dezembro às 20h", once(2026, 12, 24, 20, 0), P_LIVIN)
p.o("oneoff", "dia 3/7 às 10h", once(2026, 7, 3, 10, 0), P_PAINEL)
p.o("oneoff", "na próxima terça às 14h", once(2026, 6, 16, 14, 0), P_LIVIN, now=SAT)
p.o("oneoff", "semana que vem", once(2026, 6, 15, 9, 0), P_TIMELY)
p.o("oneoff", "sexta ao meio-dia", once(2026, 6, 12, 12, 0), P_WOEXAM)
p.o("oneoff", "hoje à noite às 8", once(2026, 6, 10, 20, 0), P_FLIP)
p.o("oneoff", "amanhã de manhã", once(2026, 6, 11, 9, 0), P_TALKPAL)
p.o("oneoff", "no dia 15 de julho de 2026 às 11h30", once(2026, 7, 15, 11, 30), P_LIVIN)
p.o("oneoff", "quarta às 15h", once(2026, 6, 10, 15, 0), P_LIVIN)
p.o("oneoff", "à meia-noite", once(2026, 6, 11, 0, 0), P_FLIP)

p.r("business", "todo dia útil às 8h", daily(8, days=WEEKDAYS), P_ELAELE)
p.r("business", "de segunda a sexta às 7h30", daily(7, 30, days=WEEKDAYS), P_UMMENSE)
p.r("business", "no primeiro dia útil do mês às 9h", business_day(1), P_ELAELE)
p.r("business", "no último dia útil do mês às 17h", business_day(-1, h=17), P_ELAELE)
p.r("business", "na penúltima sexta-feira do mês", monthly(weekday=[nth(-2, FR)]), P_LIVIN)
p.r("business", "no terceiro dia útil de cada mês", business_day(3), P_ELAELE)
p.r("business", "duas vezes por mês, nos dias 1 e 15", monthly(day=[1, 15]), P_PAINEL)
p.r("business", "a cada dois meses na última sexta-feira", monthly(weekday=[nth(-1, FR)], interval=2), P_LIVIN)
p.r("business", "no primeiro dia de cada trimestre", monthly(day=1, months=[1, 4, 7, 10]), P_PAINEL)
p.r("business", "no último dia útil do trimestre às 16h", business_day(-1, h=16, months=[3, 6, 9, 12]), P_ELAELE)
p.r("business", "todo dia útil às 9h exceto feriados", daily(9, days=WEEKDAYS, skip=HOL_BR), P_ELAELE,
    now="2026-04-20T12:00:00")
p.r("business", "dias úteis às 8h, exceto feriados em Portugal", daily(8, days=WEEKDAYS, skip=HOL_PT), P_ELAELE,
    now="2026-06-09T12:00:00", tz="Europe/Lisbon")
p.r("business", "às 1h01 no primeiro dia de cada mês", monthly(day=1, h=1, m=1), P_BUILDFORGE)
p.r("business", "na primeira segunda-feira de cada trimestre", monthly(weekday=[nth(1, MO)], months=[1, 4, 7, 10]),
    P_LIVIN)

p.r("windows", "de hora em hora das 9h às 17h", clock(window=((9, 0), (17, 0)), step=60), P_BUILDFORGE)
p.r("windows", "a cada hora entre 22h e 2h", clock(window=((22, 0), (2, 0)), step=60), P_BUILDFORGE, now=LATE)
p.r("windows", "a cada 15 minutos entre 8h e 9h", clock(window=((8, 0), (9, 0)), step=15), P_BUILDFORGE)
p.r("windows", "a cada 30 minutos das 9h às 12h de segunda a sexta",
    clock(window=((9, 0), (12, 0)), step=30, days=WEEKDAYS), P_BUILDFORGE, now=FRI_LATE)
p.r("windows", "a cada hora em ponto", clock(minutes=[0]), P_TALKPAL)
p.r("windows", "a cada hora aos 15 e aos 45 minutos", clock(minutes=[15, 45]), P_BUILDFORGE)
p.r("windows", "todos os dias às 8h, 12h e 18h", daily(0, times=[(8, 0), (12, 0), (18, 0)]), P_UMMENSE)
p.r("windows", "a cada meia hora entre 18h e 20h", clock(window=((18, 0), (20, 0)), step=30), P_BUILDFORGE)
p.r("windows", "a cada meia hora nos dias de semana, exceto fins de semana", clock(minutes=[0, 30], days=WEEKDAYS),
    P_BUILDFORGE, now="2026-06-12T23:10:00")

p.o("informal", "amanha 9h", once(2026, 6, 11, 9, 0), P_TIMELY)
p.r("informal", "td dia 8h", daily(8), P_UMMENSE)
p.r("informal", "seg a sex 7h", daily(7, days=WEEKDAYS), P_UMMENSE)
p.o("informal", "hj 18h", once(2026, 6, 10, 18, 0), P_LIVIN)
p.o("informal", "qua 14h", once(2026, 6, 10, 14, 0), P_LIVIN)
p.o("informal", "sab 10h", once(2026, 6, 13, 10, 0), P_LIVIN)
p.o("informal", "daqui a 5 min", after(minutes=5), P_TIMELY)
p.o("informal", "amanhã 9h30", once(2026, 6, 11, 9, 30), P_TIMELY)
p.r("informal", "toda segunda as 9", weekly([MO], 9), P_LIVIN)
p.o("informal", "terca as 15h", once(2026, 6, 16, 15, 0), P_LIVIN)
p.r("informal", "todo dia as 7h", daily(7), P_UMMENSE)
p.o("informal", "sexta 18h", once(2026, 6, 12, 18, 0), P_LIVIN)

p.r("bounded", "todos os dias às 8h, 3 vezes", daily(8, count=3), P_PAINEL)
p.r("bounded", "toda segunda durante 3 semanas", weekly([MO], 9, until=dt(2026, 7, 1, 10, 0)), P_PAINEL)
p.r("bounded", "todos os dias às 20h até 12 de junho", daily(20, until=dt(2026, 6, 12, 23, 59)), P_PAINEL)
p.r("bounded", "toda sexta até o fim de junho", weekly([FR], 9, until=dt(2026, 6, 30, 23, 59)), P_PUBLI)
p.r("bounded", "toda terça às 10h até julho", weekly([TU], 10, until=dt(2026, 6, 30, 23, 59)), P_PUBLI)
p.i("bounded", "a cada 2 horas, 2 vezes", every(count=2, hours=2), P_BUILDFORGE)
p.r("bounded", "a partir de 1º de julho, toda segunda às 9h", weekly([MO], 9, start=dt(2026, 7, 1)), P_PAINEL)
p.r("bounded", "de 15 a 17 de junho todo dia às 8h", daily(8, start=dt(2026, 6, 15), until=dt(2026, 6, 17, 23, 59)),
    P_PUBLI)
p.r("bounded", "toda quarta às 18h, 2 vezes", weekly([WE], 18, count=2), P_PAINEL)
p.r("bounded", "todo dia 20 até 20/12/2026", monthly(day=20, until=dt(2026, 12, 20, 23, 59)), P_PAINEL,
    now="2026-10-25T10:00:00")

p.r("dst", "todos os dias à 1h30", daily(1, 30), P_DST_PT, now="2027-03-26T12:00:00", tz="Europe/Lisbon")
p.r("dst", "todo dia à 1h30", daily(1, 30), P_DST_PT_FALL, now="2026-10-24T12:00:00", tz="Europe/Lisbon")
p.r("dst", "todos os dias à meia-noite e meia", daily(0, 30), P_DST_PT, now="2027-03-26T12:00:00", tz="Atlantic/Azores")
p.r("dst", "todo domingo à 0h30", weekly([SU], 0, 30), P_DST_BR, now="2026-10-30T12:00:00")
p.i("dst", "a cada 30 minutos", every(minutes=30), P_DST_PT, now="2027-03-28T00:45:00", tz="Europe/Lisbon")
p.o("dst", "daqui a 2 horas", after(hours=2), P_DST_PT_FALL, now="2026-10-25T00:30:00", tz="Europe/Lisbon")
p.r("dst", "de hora em hora entre 0h e 3h", clock(window=((0, 0), (3, 0)), step=60), P_DST_PT,
    now="2027-03-27T12:00:00", tz="Europe/Lisbon")
p.r("dst", "todo dia às 9h", daily(9), P_TALKPAL, tz="Asia/Kolkata")
p.r("dst", "toda segunda às 8h", weekly([MO], 8), P_TALKPAL, tz="Australia/Adelaide", now="2026-09-30T12:00:00")

p.x("qualquer dia desses", "vague", P_TIMELY)
p.x("sexta à meia-noite", "ambiguous", P_FLIP)
p.x("amanhã às 7 ou 8", "ambiguous", P_TALKPAL)
p.x("todo dia útil aos domingos", "contradiction", P_ELAELE)
p.x("31 de junho", "impossible", P_LIVIN)
p.x("ontem às 5", "past", P_TALKPAL)
p.x("comprar pão", "not a schedule", P_TIMELY)
p.x("às 25h", "impossible", P_TALKPAL)
p.x("em breve", "vague", P_TIMELY)
p.x("no quinto dia útil do mês", "ambiguous", P_G1)

# ============================== English ======================================================
N_TODOIST = "https://todoist.com/help/articles/introduction-to-recurring-due-dates-YUYVJJAV (every weekday/workday, every 3rd friday, every last day, every 12 hours starting at 07:00 PM, start and end dates)"
N_TODOIST_OLD = "https://get.todoist.help/hc/en-us/articles/360000636289-Set-a-recurring-due-date ('every 15th workday, last workday', 'ev mon, fri', 'every 3 days')"
N_SLACK = "https://slack.com/help/articles/208423427-Set-a-reminder (/remind [who] [what] [when])"
N_MM = "https://github.com/scottleedavis/mattermost-plugin-remind/wiki/Usage (/remind ... 'at 11:00 every Tuesday', 'every other Wednesday', 'on 7/13 at noon', 'in three hours')"
N_TASKCAL = "https://taskcalendars.com/help/tasks/recurring-tasks ('business day 3', 'last business day minus 1', quarterly close tasks, 'third Thursday of November')"
N_MONEYSPIRE = "https://kb.moneyspire.com/article/41-how-to-create-custom-date-reminders-bi-weekly-quarterly-etc (every 14 days, second Wednesday of the month, quarterly = every third month)"
N_INFINITEKIND = "https://help.infinitekind.com/support/solutions/articles/80000712701-reminder-frequency ('second and fourth Tuesday and Thursday of the month', '1st and 15th day of every third month')"
N_ONPAY = "https://onpay.com/payroll/terms-definitions/semi-monthly-pay-period (semi-monthly: usually the 1st and fifteenth, or the fifteenth and the final day of the month)"
N_ACCT = "https://www.accountingtools.com/articles/2017/5/16/semimonthly (semimonthly payrolls on the 15th and last days of each month)"
N_SF = "https://sourceforge.net/directory/reminder/python/?q=x-hdl3 (reminder types: every 15/30/45 minutes, last day of the month, penultimate day of the month, 1st-4th or last Monday)"
N_PASTEBIN = "https://pastebin.com/ZGArDSBX (RRULE for 'the last working day of the month')"
N_TIKI = "https://gitlab.com/tikiwiki/tiki/-/merge_requests/4967 ('last working date of every 2 months', first or last working day)"
N_DEVEX = "https://docs.devexpress.com/WindowsForms/6207/controls-and-libraries/scheduler/examples/recurrence/CoreLibraries/404247/devexpress-drawing-library ('the last Wednesday of the month, every 2 months', 'Ten occurrences')"
N_PDI = "https://ewsoftware.github.io/PDI/html/6e359e2f-a61c-1ed8-d5dc-0afb6ef5f0e1.htm (instances must not occur on holidays: New Year's Day, Memorial Day, Independence Day ...)"
N_TTDL = "https://github.com/VladimirMarkelov/ttdl/issues/91 (work days as a recurrence; which country's holidays to skip)"
N_JPSOFT = "https://jpsoft.com/forums/tags/relative-dates/ (reports due on the 1st and 15th; if on a weekend, the next business day)"
N_LUMIERE = "https://docs.lumierelabs.xyz/en/core-features/reminders (bot reminders: '5m', '2h30m', 'tomorrow 9am', 'next friday', 'monday 18:00', daily, weekly)"
N_VOLVOX = "https://www.mintlify.com/VolvoxLLC/volvox-bot/features/reminders ('in 2 hours', 'tomorrow at 3pm', 'next friday at 9am')"
N_2SYNC = "https://staging.2sync.com/blog/todoist-recurring-tasks ('every Monday at 9am', 'every two Fridays at 5:30pm', 'weekly')"
N_TRIED = "https://triedandloved.com/post/todoist-recurring-tasks-and-subtasks ('feed the cats every day at 7:00am and 3:00pm', '10th February every year')"
N_LORDHOWE = "http://timeanddate.com/time/change/australia/lord-howe-island?year=2025 (Lord Howe: clocks forward 0:30 at 2:00 am, back 0:30 at 2:00 am)"
N_NFLD = "https://www.timeanddate.com/news/time/newfoundland-labrador-2011.html (Newfoundland, UTC-3:30: clock changes at 2.00 a.m.)"
N_LHTZ = "http://mm.icann.org/pipermail/tz/2000-September/036093.html (tz list: Lord Howe Island half-hour DST switches)"
N_GIST = "https://gist.github.com/panzelva/1e60652d36d59f4fdf6086241d0daaec (/remind @user \"Meeting\" every weekday at 8:50am)"
N_EN = Lang("en", "America/New_York")
n = N_EN
n.r("basic", "every Monday at 9am", weekly([MO], 9), N_2SYNC)
n.r("basic", "every two Fridays at 5:30pm", weekly([FR], 17, 30, interval=2), N_2SYNC)
n.r("basic", "every day at 7:00am and 3:00pm", daily(0, times=[(7, 0), (15, 0)]), N_TRIED)
n.r("basic", "10th February every year", yearly(2, 10), N_TRIED)
n.r("basic", "every 6 months on the 1st", monthly(day=1, interval=6), N_MONEYSPIRE)
n.r("basic", "every mon and thu at 11", weekly([MO, TH], 11), N_TODOIST_OLD)
n.r("basic", "every 2nd and 4th friday", monthly(weekday=[nth(2, FR), nth(4, FR)]), N_INFINITEKIND)
n.r("basic", "every january 15 at 10am", yearly(1, 15, 10), N_MM)
n.r("basic", "every 14 days", every_n_days(14), N_MONEYSPIRE)
n.r("basic", "every week on tuesday and friday at 4pm", weekly([TU, FR], 16), N_MM)
n.r("basic", "every 3rd monday", monthly(weekday=[nth(3, MO)]), N_TODOIST)

n.o("oneoff", "tomorrow 9am", once(2026, 6, 11, 9, 0), N_LUMIERE)
n.o("oneoff", "monday 18:00", once(2026, 6, 15, 18, 0), N_LUMIERE)
n.o("oneoff", "next friday at 9am", once(2026, 6, 19, 9, 0), N_VOLVOX, now=SAT)
n.o("oneoff", "tomorrow at 3pm", once(2026, 6, 11, 15, 0), N_VOLVOX)
n.o("oneoff", "on 7/13 at noon", once(2026, 7, 13, 12, 0), N_MM)
n.o("oneoff", "in three hours", after(hours=3), N_MM)
n.o("oneoff", "the day after tomorrow at noon", once(2026, 6, 12, 12, 0), N_SLACK)
n.o("oneoff", "friday at quarter to five", once(2026, 6, 12, 16, 45), N_SLACK)

n.r("business", "every business day at 8:30am", daily(8, 30, days=WEEKDAYS), N_TASKCAL)
n.r("business", "business day 3 of every month", business_day(3), N_TASKCAL)
n.r("business", "second-to-last business day of the month at 5pm", business_day(-2, h=17), N_TASKCAL)
n.r("business", "every 15th workday", business_day(15), N_TODOIST_OLD)
n.r("business", "every last workday", business_day(-1), N_TODOIST_OLD)
n.r("business", "first workday of the month at 9am", business_day(1), N_TIKI)
n.r("business", "third Thursday of November every year", yearly(11, weekday=nth(3, TH)), N_TASKCAL)
n.r("business", "every quarter on the first day", monthly(day=1, months=[1, 4, 7, 10]), N_MONEYSPIRE)
n.r("business", "first day of every quarter at 9am", monthly(day=1, months=[1, 4, 7, 10]), N_TASKCAL)
n.r("business", "last business day of the quarter at 4pm", business_day(-1, h=16, months=[3, 6, 9, 12]), N_TASKCAL)
n.r("business", "first monday of every quarter", monthly(weekday=[nth(1, MO)], months=[1, 4, 7, 10]), N_MONEYSPIRE)
n.r("business", "twice a month on the 1st and 15th", monthly(day=[1, 15]), N_ONPAY)
n.r("business", "on the 15th and the last day of every month", monthly(day=[15, -1]), N_ACCT)
n.r("business", "every other month on the last Friday", monthly(weekday=[nth(-1, FR)], interval=2), N_TIKI)
n.r("business", "last wednesday of the month every 2 months", monthly(weekday=[nth(-1, WE)], interval=2), N_DEVEX)
n.r("business", "second and fourth Tuesday of the month", monthly(weekday=[nth(2, TU), nth(4, TU)]), N_INFINITEKIND)
n.r("business", "the 1st and 15th of every third month", monthly(day=[1, 15], interval=3), N_INFINITEKIND)
n.r("business", "penultimate day of the month", monthly(day=-2), N_SF)
n.r("business", "second to last thursday of every month at 2pm", monthly(weekday=[nth(-2, TH)], h=14), N_SF)
n.r("business", "every weekday at 9am except public holidays", daily(9, days=WEEKDAYS, skip=HOL_US), N_PDI,
    now="2026-07-01T12:00:00")
n.r("business", "every business day except US federal holidays at 8am", daily(8, days=WEEKDAYS, skip=HOL_US), N_PDI,
    now="2026-11-24T12:00:00")
n.r("business", "every business day except public holidays in Germany", daily(9, days=WEEKDAYS, skip=HOL_DE), N_TTDL,
    now="2026-05-12T10:00:00", tz="Europe/Berlin")
n.r("business", "first business day of the month excluding holidays", business_day(1, holidays=HOL_US), N_TTDL,
    now="2026-12-10T10:00:00")
n.r("business", "every monday at 10am unless it's a public holiday", weekly([MO], 10, skip=HOL_US), N_PDI,
    now="2026-05-20T10:00:00")
n.r("business", "last weekday of every month at 5pm", business_day(-1, h=17), N_PASTEBIN)
n.r("business", "every weekday at 8:50am", daily(8, 50, days=WEEKDAYS), N_GIST)

n.r("windows", "every hour between 9am and 5pm on weekdays", clock(window=((9, 0), (17, 0)), step=60, days=WEEKDAYS),
    N_MM, now=FRI_LATE)
n.r("windows", "every 15 minutes between 9 and 10am", clock(window=((9, 0), (10, 0)), step=15), N_SF)
n.r("windows", "every hour from 10pm to 2am", clock(window=((22, 0), (2, 0)), step=60), N_MM, now=LATE)
n.r("windows", "every 30 minutes between 11pm and 1am", clock(window=((23, 0), (1, 0)), step=30), N_SF,
    now="2026-06-10T22:00:00")
n.r("windows", "every hour at :05", clock(minutes=[5]), N_MM)
n.r("windows", "at 15 and 45 past every hour", clock(minutes=[15, 45]), N_MM)
n.r("windows", "on the hour every hour", clock(minutes=[0]), N_MM)
n.r("windows", "every 20 minutes from 8am to 9am on weekdays", clock(window=((8, 0), (9, 0)), step=20, days=WEEKDAYS),
    N_SF, now=FRI_LATE)
n.r("windows", "every 2 hours between 8am and 8pm", clock(window=((8, 0), (20, 0)), step=120), N_SF)
n.r("windows", "every day at 9am, noon and 3pm", daily(0, times=[(9, 0), (12, 0), (15, 0)]), N_TRIED)
n.r("windows", "every 10 minutes from 11:30pm to 12:30am", clock(window=((23, 30), (0, 30)), step=10), N_SF,
    now="2026-06-10T23:00:00")
n.r("windows", "every hour on the half hour", clock(minutes=[30]), N_MM, tz="America/St_Johns")
n.r("windows", "every hour on the half hour between 8am and noon", clock(window=((8, 30), (11, 30)), step=60), N_MM,
    tz="Asia/Kolkata")

n.o("informal", "tmrw 8am", once(2026, 6, 11, 8, 0), N_LUMIERE)
n.o("informal", "tmr at 9", once(2026, 6, 11, 9, 0), N_LUMIERE)
n.o("informal", "nxt mon 9am", once(2026, 6, 15, 9, 0), N_LUMIERE, now=SAT)
n.r("informal", "every wkday 8am", daily(8, days=WEEKDAYS), N_GIST)
n.r("informal", "ev mon, fri", weekly([MO, FR], 9), N_TODOIST_OLD)
n.r("informal", "every mon, wed, fri at 7am", weekly([MO, WE, FR], 7), N_TODOIST_OLD)
n.o("informal", "weds 3pm", once(2026, 6, 10, 15, 0), N_SLACK)
n.o("informal", "thurs at 2", once(2026, 6, 11, 14, 0), N_SLACK)
n.o("informal", "fri 5:30pm", once(2026, 6, 12, 17, 30), N_SLACK)
n.o("informal", "tonite 9pm", once(2026, 6, 10, 21, 0), N_SLACK)
n.o("informal", "in 5m", after(minutes=5), N_LUMIERE)
n.o("informal", "in 2h30m", after(minutes=150), N_LUMIERE)
n.r("informal", "every day @ 8am", daily(8), N_SLACK)
n.r("informal", "every mon-fri 7:30am", daily(7, 30, days=WEEKDAYS), N_GIST)
n.r("informal", "evry tues 6pm", weekly([TU], 18), N_SLACK)
n.r("informal", "wknds at 10", weekly([SA, SU], 10), N_SLACK)
n.r("informal", "1730 daily", daily(17, 30), N_SLACK)
n.o("informal", "noon tmrw", once(2026, 6, 11, 12, 0), N_LUMIERE)
n.o("informal", "2morrow at 10", once(2026, 6, 11, 10, 0), N_LUMIERE)
n.o("informal", "sat 11am", once(2026, 6, 13, 11, 0), N_LUMIERE)

n.r("bounded", "every day at 9am for 5 days", daily(9, until=dt(2026, 6, 15, 10, 0)), N_TODOIST)
n.r("bounded", "every monday for the next 2 weeks", weekly([MO], 9, until=dt(2026, 6, 24, 10, 0)), N_TODOIST)
n.r("bounded", "every day at 7pm until thursday", daily(19, until=dt(2026, 6, 11, 23, 59)), N_TODOIST)
n.r("bounded", "daily at 8am until june 12", daily(8, until=dt(2026, 6, 12, 23, 59)), N_TODOIST)
n.i("bounded", "every 2 hours 3 times", every(count=3, hours=2), N_DEVEX)
n.i("bounded", "every 15 minutes, 2 times", every(count=2, minutes=15), N_DEVEX)
n.r("bounded", "every friday at 4pm, twice", weekly([FR], 16, count=2), N_DEVEX)
n.r("bounded", "starting next monday, every weekday at 9", daily(9, days=WEEKDAYS, start=dt(2026, 6, 15)), N_TODOIST)
n.r("bounded", "every thursday starting july 2", weekly([TH], 9, start=dt(2026, 7, 2)), N_TODOIST)
n.r("bounded", "every day at noon from june 20 to june 21", daily(12, start=dt(2026, 6, 20), until=dt(2026, 6, 21, 23, 59)),
    N_TODOIST)
n.r("bounded", "every year on march 1 for 2 years", yearly(3, 1, until=dt(2028, 6, 10, 10, 0)), N_TODOIST)
n.r("bounded", "every week on tuesday, 2 occurrences", weekly([TU], 9, count=2), N_DEVEX)

n.r("dst", "every day at 2:30am", daily(2, 30), N_SLACK, now="2026-03-06T12:00:00")
n.r("dst", "every day at 1:30am", daily(1, 30), N_SLACK, now="2026-10-30T12:00:00")
n.i("dst", "every 30 minutes", every(minutes=30), N_SF, now="2026-03-08T01:15:00")
n.r("dst", "every day at 2:30am", daily(2, 30), N_SLACK, now="2026-10-02T12:00:00", tz="Australia/Sydney")
n.r("dst", "every day at 2:30am", daily(2, 30), N_SLACK, now="2026-04-03T12:00:00", tz="Australia/Sydney")
n.i("dst", "every 45 minutes", every(minutes=45), N_SF, now="2026-10-04T01:00:00", tz="Australia/Sydney")
n.r("dst", "every day at 2:15am", daily(2, 15), N_SLACK, now="2026-10-02T12:00:00", tz="Australia/Adelaide")
n.r("dst", "every hour on the half hour", clock(minutes=[30]), N_MM, now="2026-10-04T01:00:00", tz="Australia/Adelaide")
n.r("dst", "every day at 2:15am", daily(2, 15), N_LORDHOWE, now="2026-10-02T12:00:00", tz="Australia/Lord_Howe")
n.r("dst", "every day at 1:45am", daily(1, 45), N_LORDHOWE, now="2026-04-03T12:00:00", tz="Australia/Lord_Howe")
n.o("dst", "in 1 hour", after(hours=1), N_LHTZ, now="2026-10-04T01:45:00", tz="Australia/Lord_Howe")
n.r("dst", "every day at 2:30am", daily(2, 30), N_NFLD, now="2026-03-06T12:00:00", tz="America/St_Johns")
n.r("dst", "every hour on the half hour", clock(minutes=[30]), N_NFLD, now="2026-11-01T00:00:00", tz="America/St_Johns")
n.r("dst", "every day at 3am", daily(3), N_SLACK, now="2026-09-25T12:00:00", tz="Pacific/Chatham")
n.r("dst", "every day at 9:15am", daily(9, 15), N_SLACK, tz="Asia/Kathmandu")
n.i("dst", "every 90 minutes", every(minutes=90), N_SF, tz="Asia/Kathmandu")
n.r("dst", "every hour at :45", clock(minutes=[45]), N_MM, tz="Asia/Kathmandu")
n.r("dst", "every day at 8pm IST", daily(20), N_SLACK, tz="Asia/Kolkata")
n.r("dst", "every saturday at 9am", weekly([SA], 9), N_SLACK, tz="Asia/Tehran")
n.r("dst", "every day at 7am", daily(7), N_SLACK, tz="Australia/Eucla")
n.o("dst", "tomorrow at 10am", once(2026, 6, 11, 10, 0), N_SLACK, tz="Pacific/Marquesas")
n.o("dst", "in 2 hours", after(hours=2), N_MM, now="2026-11-01T00:30:00")
n.o("dst", "tomorrow at 2:30am", once(2026, 3, 8, 2, 30), N_SLACK, now="2026-03-07T10:00:00")
n.r("dst", "every sunday at 1:30am", weekly([SU], 1, 30), N_SLACK, now="2026-10-28T12:00:00")
n.r("dst", "every day at 1:30am", daily(1, 30), N_SLACK, now="2027-03-26T12:00:00", tz="Europe/London")
n.r("dst", "every hour between 1am and 5am", clock(window=((1, 0), (5, 0)), step=60), N_SF, now="2026-03-07T12:00:00")

n.x("whenever", "vague", N_SLACK)
n.x("later", "vague", N_SLACK)
n.x("one of these days", "vague", N_SLACK)
n.x("at midnight sunday", "ambiguous", N_MM)
n.x("saturday at midnight", "ambiguous", N_MM)
n.x("eod tmrw", "ambiguous", N_SLACK)
n.x("tomorrow at 9 or 10", "ambiguous", N_SLACK)
n.x("monday or tuesday at 9", "ambiguous", N_SLACK)
n.x("every weekend on wednesday", "contradiction", N_TODOIST)
n.x("april 31 at 9", "impossible", N_MM)
n.x("at 13pm", "impossible", N_MM)
n.x("every february 30", "impossible", N_TODOIST)
n.x("every 0 minutes", "impossible", N_SF)
n.x("yesterday at noon", "past", N_MM)
n.x("on 1/1/2020", "past", N_MM)
n.x("buy milk", "not a schedule", N_TODOIST)
n.x("0 9 LW * *", "unsupported cron", N_PASTEBIN)
n.x("0 9 * * 5L", "unsupported cron", N_PASTEBIN)
n.x("0 12 ? * MON#2", "unsupported cron", N_PASTEBIN)
n.x("H 9 * * *", "unsupported cron", N_PASTEBIN)
n.x("in -3 hours", "past", N_MM)
n.x("quarterly on the 15th", "ambiguous", N_TASKCAL)
n.x("every weekday except public holidays", "ambiguous", N_TTDL, tz="UTC")
n.x("every day except every day", "contradiction", N_TODOIST)

n.r("business", "every 5th business day", business_day(5), N_TODOIST_OLD)
n.r("business", "the last friday of every quarter", monthly(weekday=[nth(-1, FR)], months=[3, 6, 9, 12]), N_MONEYSPIRE)
n.r("business", "last day of every quarter at 6pm", monthly(day=-1, months=[3, 6, 9, 12], h=18), N_TASKCAL)
n.r("business", "every other month on the 1st", monthly(day=1, interval=2), N_MONEYSPIRE)
n.r("business", "on the 10th business day of each month", business_day(10), N_TASKCAL)
n.r("business", "the second friday of every other month", monthly(weekday=[nth(2, FR)], interval=2), N_INFINITEKIND)
n.r("windows", "every 5 minutes between 9:00 and 9:30", clock(window=((9, 0), (9, 30)), step=5), N_SF)
n.r("windows", "hourly between 7pm and 11pm on fridays", clock(window=((19, 0), (23, 0)), step=60, days=[FR]), N_MM)
n.r("windows", "every hour on weekends from 10am to 2pm", clock(window=((10, 0), (14, 0)), step=60, days=[SA, SU]), N_MM)
n.r("informal", "mon thru fri at 6", daily(18, days=WEEKDAYS), N_SLACK)
n.r("informal", "every sat & sun 9am", weekly([SA, SU], 9), N_SLACK)
n.o("informal", "tues 0930", once(2026, 6, 16, 9, 30), N_SLACK)
n.o("informal", "in 90 seconds", after(seconds=90), N_LUMIERE)
n.i("informal", "every 3 hrs", every(hours=3), N_LUMIERE)
n.o("informal", "2day at 4", once(2026, 6, 10, 16, 0), N_LUMIERE)
n.r("bounded", "every day at 6am for the next 3 days", daily(6, until=dt(2026, 6, 13, 10, 0)), N_TODOIST)
n.r("bounded", "every other day at 8pm, 3 times", every_n_days(2, 20, count=3), N_DEVEX)
n.r("bounded", "every month on the 1st until the end of the year", monthly(day=1, until=dt(2026, 12, 31, 23, 59)),
    N_TODOIST, now="2026-10-15T10:00:00")
n.r("dst", "every day at 12:30am", daily(0, 30), N_SLACK, now="2026-09-04T12:00:00", tz="America/Santiago")
n.i("dst", "every 2 hours", every(hours=2), N_LHTZ, now="2026-04-05T00:30:00", tz="Australia/Lord_Howe")
n.r("dst", "every day at 2:50am", daily(2, 50), N_SLACK, now="2026-04-03T12:00:00", tz="Pacific/Chatham")
n.o("dst", "tomorrow at 12:15am", once(2026, 9, 6, 0, 15), N_SLACK, now="2026-09-05T10:00:00", tz="America/Santiago")
n.o("oneoff", "in a fortnight", days_later(14), N_MONEYSPIRE)
n.o("oneoff", "on the 3rd at 2pm", once(2026, 7, 3, 14, 0), N_MM)
n.o("oneoff", "this friday at 10", once(2026, 6, 12, 10, 0), N_MM)
n.x("next tuesday or wednesday", "ambiguous", N_SLACK)
n.x("at 8 tomorrow or the day after", "ambiguous", N_SLACK)
n.x("on 31/31/2026", "impossible", N_MM)


if __name__ == "__main__":
    for line in rows:
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    by_lang: dict[str, int] = {}
    for line in rows:
        by_lang[line["lang"]] = by_lang.get(line["lang"], 0) + 1
    print(f"{len(rows)} rows: {by_lang}", file=sys.stderr)

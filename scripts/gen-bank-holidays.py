#!/usr/bin/env python3
"""Print the England & Wales bank holidays 1990-2040 as CSV (day,name).

Regular holidays follow the Banking and Financial Dealings Act 1971 rules and
royal proclamations: New Year's Day, Good Friday, Easter Monday, Early May
(first Monday), Spring (last Monday of May), Summer (last Monday of August),
Christmas Day and Boxing Day, with substitute weekdays when they fall on a
weekend. Proclaimed changes and one-off days are listed explicitly below.
The output was checked against gov.uk's published lists for 2010-2030 (the
range the project promises); other years follow the same rules.
Wrote crates/domain/data/bank-holidays-england-wales.csv, the one source of the
bank holidays (the domain crate's Calendar embeds it; the bank_holidays rows of
migrations/*_foundation/up.sql are the same, and a test holds them equal).
Kept for review, not run at build:
    scripts/gen-bank-holidays.py > crates/domain/data/bank-holidays-england-wales.csv
"""
import datetime as dt

D = dt.date


def easter(y):
    a = y % 19; b = y // 100; c = y % 100; d = b // 4; e = b % 4
    f = (b + 8) // 25; g = (b - f + 1) // 3; h = (19 * a + b - d - g + 15) % 30
    i = c // 4; k = c % 4; l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31; day = ((h + l - 7 * m + 114) % 31) + 1
    return D(y, month, day)


def first_monday(y, m):
    d = D(y, m, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def last_monday(y, m):
    d = D(y, m + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())


MOVED = {  # (year, regular name) -> moved date, by proclamation
    (1995, "Early May bank holiday"): D(1995, 5, 8),
    (2020, "Early May bank holiday"): D(2020, 5, 8),
    (2002, "Spring bank holiday"): D(2002, 6, 4),
    (2012, "Spring bank holiday"): D(2012, 6, 4),
    (2022, "Spring bank holiday"): D(2022, 6, 2),
}
ONE_OFF = [
    (D(1999, 12, 31), "Millennium Eve"),
    (D(2002, 6, 3), "Golden Jubilee bank holiday"),
    (D(2011, 4, 29), "Royal wedding"),
    (D(2012, 6, 5), "Queen's Diamond Jubilee"),
    (D(2022, 6, 3), "Platinum Jubilee bank holiday"),
    (D(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"),
    (D(2023, 5, 8), "Bank holiday for the coronation of King Charles III"),
]


def year(y):
    out = []
    nyd = D(y, 1, 1)
    while nyd.weekday() >= 5:
        nyd += dt.timedelta(days=1)
    out.append((nyd, "New Year's Day"))
    e = easter(y)
    out.append((e - dt.timedelta(days=2), "Good Friday"))
    out.append((e + dt.timedelta(days=1), "Easter Monday"))
    for name, d in (("Early May bank holiday", first_monday(y, 5)),
                    ("Spring bank holiday", last_monday(y, 5)),
                    ("Summer bank holiday", last_monday(y, 8))):
        out.append((MOVED.get((y, name), d), name))
    # Substitutes: a day that falls on a weekend moves to the next weekday that
    # is not already a holiday (so Christmas on a Sunday is kept on Tuesday 27th
    # when Boxing Day is Monday 26th, as proclaimed in 2016 and 2022).
    fixed = [(D(y, 12, 25), "Christmas Day"), (D(y, 12, 26), "Boxing Day")]
    taken = {d for d, _ in fixed if d.weekday() < 5}
    for d, name in fixed:
        if d.weekday() < 5:
            out.append((d, name))
            continue
        s = d
        while s.weekday() >= 5 or s in taken:
            s += dt.timedelta(days=1)
        taken.add(s)
        out.append((s, name + " (substitute day)"))
    out += [(d, n) for d, n in ONE_OFF if d.year == y]
    return sorted(out)


rows = [r for y in range(1990, 2041) for r in year(y)]
print("day,name")
for d, n in rows:
    assert "," not in n and '"' not in n
    print("%s,%s" % (d.isoformat(), n))

"""Details that a read-back can get wrong: amounts, times, days of the month, counts, measures,
sizes and long figures (meter readings), read from what people say ("a hundred and one
dollars", "three thirty p m", "the fifteenth", "two bags", "seven kilo", "a size eight") after
spoken numbers are turned into digits (text2num). Personal data is redacted before this runs,
so only details redaction keeps are compared."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from callqa.qa_rules.spoken import NUMBER_WORDS

Detail = tuple[str, str, str]  # (kind, what it counts or "", normalised value)

CURRENCY = r"(?:dollars?|bucks|pounds?|quid|euros?|cents?|pence)"
AMOUNT = re.compile(
    # the figure from its first digit only: a run like "1,1,1,…" is tried once, not per digit
    rf"(?:[$£€]\s?(?P<a1>\d[\d,]*(?:\.\d\d)?)|(?<![\d,])(?P<a2>\d[\d,]*(?:\.\d\d)?)"
    rf"(?:\s(?P<a3>\d\d))?"
    rf"\s?{CURRENCY})(?:\s(?:and\s)?(?P<cents>\d\d)\b(?:\s?(?:cents?|pence|p)\b)?)?",
    re.IGNORECASE,
)
TIME = re.compile(
    r"(?<![:.])\b(?P<h>\d{1,2})(?:[:.\s](?P<m>\d{2}))?\s?(?P<ap>a\.?\s?m\b\.?|p\.?\s?m\b\.?|o'clock)",
    re.IGNORECASE,
)
# A 24-hour time after noon ("the seventeen forty two from Leeds", "17:42").
TIME_24H = re.compile(r"(?<![\d.:$£€])\b(?P<h>1[3-9]|2[0-3])[:\s](?P<m>[0-5]\d)\b(?![.:]\d)")
# A clock time said without "a m" or "p m": "half past two", "quarter to three", "half three",
# "9:45", "at two thirty", "the eight thirty sailing in the morning"; "in the evening" after it
# makes it p m.
CLOCK = re.compile(
    r"\b(?:(?P<half>half(?: past)?|quarter past|quarter to) (?P<h1>1[0-2]|[1-9])\b|"
    r"(?<![\d.:$£€])(?P<h2>1[0-2]|0?[1-9]):(?P<m2>[0-5]\d)\b(?![.:]\d|\s?[ap]\.?\s?m\b)|"
    r"\b(?:(?:at|for|from|after|before|until|till|by) )?(?P<h3>1[0-2]|[1-9]) (?P<m3>[1-5]\d)\b"
    r"(?=(?: [a-z]+){0,2} in the (?:morning|afternoon|evening))|"
    r"\b(?:at|for|from|after|before|until|till|by) (?P<h4>1[0-2]|[1-9]) (?P<m4>[1-5]\d)\b"
    r"(?!\s?(?:[ap]\.?\s?m\b|" + CURRENCY + r"|pence|p\b))|"
    # "saturday at ten", "tomorrow at two": an hour on the clock after a day
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tomorrow) at (?P<h5>1[0-2]|[1-9])\b"
    r"(?![.:]\d|\s?(?:\d|[ap]\.?\s?m\b|o'clock|" + CURRENCY + r"|pence|p\b|percent|%))|"
    # "no, ten in the morning": an hour that opens the sentence, the part of the day after it
    # (not "I'll send two in the morning and two in the afternoon")
    r"^\W*(?:(?:no|yes|yeah|oh|sorry|so|okay|ok|actually|it's|it was),?\s+)*"
    r"(?P<h6>1[0-2]|[1-9])(?= in the (?:morning|afternoon|evening)\b))"
    r"(?:(?: [a-z]+){0,2} (?P<part>in the (?:morning|afternoon|evening)|at night|tonight))?",
    re.IGNORECASE,
)
# Opening hours or a slot: "from two until four", "ten till twelve" (not "three to five days")
HOURS = re.compile(
    r"(?<![\d.:$£€])\b(?P<a>1[0-2]|[1-9])(?::(?P<am>[0-5]\d))?(?: ?(?:[ap]\.?m\b\.?|o'clock))? "
    r"(?:until|till|til) (?P<b>1[0-2]|[1-9])(?::(?P<bm>[0-5]\d))?\b"
    r"(?!\s?(?:[a-z]+ )?(?:minutes?|mins?|hours?|days?|weeks?|years?|people|guests|children|"
    r"kids)\b)",
    re.IGNORECASE,
)
DAY = re.compile(  # not "a second driver", "the first dance", "the first time", "[ADDRESS]-eighth",
    # nor "the weekend of the ninth" (a stay around it, not a day of it)
    r"(?<!\ba )(?<!\ban )(?<!\bmy )(?<!\byour )(?<!\bour )(?<!\btheir )(?<![-\]])"
    r"(?<!\bher )(?<!\bhis )(?<!'s )"  # "my sister's thirtieth": a birthday
    r"(?<!\bweek of the )(?<!\bweekend of the )(?<!\bweek commencing )(?<!\bweek commencing the )"
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?! (?:one|1(?! \d)|time|payment|thing|line|floor|class|"
    r"step|driver|person|card|account|bag|item|call|attempt|year|month|week|day|claim|complaint|"
    r"letter|bill|order|visit|engineer|reminder|notice|warning|charge|refund|form|ticket|"
    r"booking|try|go|round|pair|birthday|anniversary|dance|course|instalment|installment|half|"
    r"stage|part|choice|option|place|edition|dose|hole)s?\b)",
    re.I,
)
# "first", "second" and "third" are days only as dates: "the first", "Monday 2nd", "3rd of May"
AS_DATE = re.compile(r"\b(?:the|[a-z]+day|january|february|march|april|may|june|july|august|"
                     r"september|october|november|december)\s$", re.IGNORECASE)  # fmt: skip
OF_MONTH = re.compile(r"\s+(?:of|january|february|march|april|may|june|july|august|september|"
                      r"october|november|december)\b", re.IGNORECASE)  # fmt: skip
WEEKDAY = re.compile(r"\b((?:mon|tues|wednes|thurs|fri|satur|sun)day)s?\b", re.IGNORECASE)
# A reading or reference of four or more digits ("04821"), compared digit for digit.
FIGURE = re.compile(r"(?<![\d.,:$£€])\b\d{4,}\b(?![.,]\d|\s?" + CURRENCY + ")", re.I)
# A number with a unit is a measure, not an amount ("twenty three kilos", "fifty gig").
UNIT = (r"kilos?|kg|kilograms?|grams?|gigs?|gb|mb|megs?|percent|minutes?|mins?|hours?|days?|"
        r"weeks?|months?|years?|miles?|km|metres?|meters?|inches|feet|litres?|liters?")  # fmt: skip
BARE_NUMBER = re.compile(
    r"(?<![\d.:$£€])\b(?P<n>\d{2,5}(?:\.\d\d)?)\b"
    rf"(?!\s?(?:st|nd|rd|th|[ap]\.?\s?m|{UNIT})\b)",
    re.IGNORECASE,
)
COUNT = re.compile(
    r"\b(?P<n>\d{1,3})\s(?:\d+\s(?:kilo|kg)s?\s)?(?:of (?:your|the|our|those|these) )?"
    r"(?:(?:hold|checked|extra|new|spare|paper|bulk|large|small|big)\s){0,2}"
    r"(?P<what>bags?|suitcases?|seats?|cards?|accounts?|payments?|checks?|cheques?|checkbooks?|"
    r"chequebooks?|statements?|transactions?|items?|boxes|box|packages?|parcels?|lines?|"
    r"devices?|phones?|tickets?|nights?|days?|weeks?|months?|installments?|instalments?)\b",
    re.IGNORECASE,
)

# A count in a garment size: "twenty-two in medium", "twenty mediums", "twenty medium in the
# red" (not "two large bags")
SIZE_COUNT = re.compile(
    r"\b(?P<n>\d{1,3})\s(?:in\s(?:an?\s|the\s)?(?P<w1>(?:extra\s)?(?:small|medium|large))\b|"
    r"(?P<w2>(?:extra\s)?(?:small|medium|large))"
    r"(?:s\b|(?=\s*(?:[,.!?;]|$|\b(?:in|and|please|then|is|for)\b))))",
    re.IGNORECASE,
)
# A weight, volume, length or data size, by its unit ("a seven kilo turkey", "20 litres").
MEASURE = re.compile(
    r"(?<![\d.:$£€])\b(?P<n>\d{1,4}(?:\.\d+)?)(?P<half> and a half)?\s?"
    r"(?P<unit>kilos?|kg|kilograms?|grams?|"
    r"litres?|liters?|metres?|meters?|feet|foot|inch(?:es)?|miles?|km|gigs?|gb)\b",
    re.IGNORECASE,
)
# "a size eight", "the black ones in a nine, I'll reserve them" (not "in a 10 minute window")
SIZE = re.compile(
    r"\bsize\s(?P<n>\d{1,2}(?:\.5)?(?: and a half)?)\b|"
    r"\bin an? (?P<m>\d{1,2}(?:\.5)?(?: and a half)?)"
    r"(?=\s*(?:[,.!?;]|$|(?:i'll|i will|and|at|for|please|then|from|in)\b))",
    re.IGNORECASE,
)
MEASURE_UNITS = {"kilo": "kg", "kilogram": "kg", "gram": "g", "liter": "l", "litre": "l",
                 "meter": "m", "metre": "m", "feet": "ft", "foot": "ft", "inch": "in",
                 "mile": "mi", "gig": "gb"}  # fmt: skip


# "quarter past ten's better": the number without its "'s", so it is read
NUMBER_IS = re.compile(rf"\b({'|'.join(sorted(NUMBER_WORDS))})'s\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def digits_for_words(text: str) -> str:
    """``text`` with spoken numbers as digits ("two hundred and fifty" -> "250")."""
    from text_to_num import alpha2digit

    if not text.isascii():  # "３:３０" is "3:30"
        text = re.sub(r"\d", lambda m: str(unicodedata.decimal(m[0])), text)
    return alpha2digit(NUMBER_IS.sub(r"\1 is", text), "en", threshold=0)


REPLACED = re.compile(
    r"\b(?:instead of|rather than)\s+(?:the\s+)?[\w$£€.,:]+"
    r"(?:\s+(?:of|p\.?m|a\.?m|pounds?|dollars?))?",
    re.IGNORECASE,
)


# How many are coming: "six of us", "five players", "a table for two", "a party of eight"
PARTY = re.compile(
    r"\b(?:(?P<n>\d{1,3}) (?:of us|people|persons|guests|adults|players|diners|passengers)|"
    r"(?:table|party|group) (?:for|of) (?P<m>\d{1,3}))\b(?![:.]\d|\s?(?:[ap]\.?m|o'clock)\b)",
    re.IGNORECASE,
)


# A reference said digit by digit: "four five two seven one"
SPELLED_FIGURE = re.compile(r"(?<![\d.,:$£€] )(?<![\d.,:$£€])\b\d(?: \d){3,}\b(?! \d)")


# A number said for something with no unit: "ninety-four for the evening", "I'll put ninety
# down for the evening", "seventy for the day" (not a time: "at nine for the appointment").
# "sixty of the nine-piece selection boxes": a count of a thing named by its first two words
COUNT_OF_THE = re.compile(
    r"(?<![\d.:$£€])\b(?P<n>\d{1,3}) of (?:the|your|our|those|these) "
    r"(?P<what>[a-z\d][a-z\d-]*(?: [a-z][a-z-]*)?)\b",
    re.IGNORECASE,
)
COUNT_FOR = re.compile(
    r"(?<!\bat )(?<!\bby )(?<!\bfrom )(?<!\btill )(?<!\buntil )(?<!\bbefore )(?<!\bafter )"
    r"(?<!\bhalf )(?<!\bpast )(?<!\bto )(?<![\d.:$£€])\b(?P<n>\d{1,4})\b(?: (?:down|in|on))?"
    r" for the (?P<what>day|evening|night|morning|afternoon|ceremony|meal|dinner|lunch|party|"
    r"reception|wedding|event|adults?|children|kids|weekend)\b",
    re.IGNORECASE,
)


def details(text: str) -> set[Detail]:
    """The amounts, times, hours ("two till four"), days of the month, counts, measures and
    sizes said in ``text`` (not the old value it replaces: "the twenty-eighth instead of the
    first")."""
    return set(_details(text))


@lru_cache(maxsize=8192)  # a call's sentences are read again for every read-back
def _details(text: str) -> frozenset[Detail]:
    said = REPLACED.sub(" ", digits_for_words(text))
    found: set[Detail] = set()
    for m in AMOUNT.finditer(said):
        whole = (m["a1"] or m["a2"]).replace(",", "")
        value = f"{whole}{m['a3']}" if m["a3"] else whole  # "two fifty dollars": 250
        cents = f".{m['cents']}" if m["cents"] and "." not in value else ""  # "45 dollars 50"
        found.add(("amount", "", str(float(value + cents))))
    for m in TIME.finditer(said):
        half = m["ap"].lower().replace(".", "").replace(" ", "")[:1]  # a, p or o
        found.add(("time", "", f"{int(m['h']) % 12}:{m['m'] or '00'}{half if half != 'o' else ''}"))
    for m in TIME_24H.finditer(said):
        found.add(("time", "", f"{int(m['h']) % 12}:{m['m']}p"))
    for m in CLOCK.finditer(said):
        found.add(("time", "", _clock(m)))
    for m in HOURS.finditer(said):
        start, end = (f"{int(m[h]) % 12}:{m[h + 'm'] or '00'}" for h in ("a", "b"))
        found.add(("hours", "", f"{start}-{end}"))
    for m in DAY.finditer(said):
        if int(m["d"]) > 31:
            continue  # "my wife's fortieth": a birthday, not a day of the month
        before = said[max(0, m.start() - 12) : m.start()]  # "the", a weekday or a month
        if int(m["d"]) > 3 or AS_DATE.search(before) or OF_MONTH.match(said, m.end()):
            found.add(("day", "", str(int(m["d"]))))  # not "let's get your numbers in first"
    found |= {("weekday", "", m[1].lower()) for m in WEEKDAY.finditer(said)}
    for m in COUNT.finditer(said):
        found.add(("count", m["what"].lower().rstrip("s"), str(int(m["n"]))))
    for m in SIZE_COUNT.finditer(said):
        found.add(("count", (m["w1"] or m["w2"]).lower(), str(int(m["n"]))))
    for m in MEASURE.finditer(said):
        unit = re.sub(r"(?<=ch)es$|s$", "", m["unit"].lower())  # "inches", "kilos"
        value = float(m["n"]) + (0.5 if m["half"] else 0)  # "seven and a half kilo"
        found.add(("measure", MEASURE_UNITS.get(unit, unit), str(value)))
    found |= {
        ("size", "", (m["n"] or m["m"]).replace(" and a half", ".5")) for m in SIZE.finditer(said)
    }
    for m in PARTY.finditer(said):
        found.add(("count", "people", str(int(m["n"] or m["m"]))))
    for m in COUNT_OF_THE.finditer(said):
        found.add(("count", m["what"].lower(), str(int(m["n"]))))
    for m in COUNT_FOR.finditer(said):
        found.add(("count", m["what"].lower(), str(int(m["n"]))))
    found |= {("figure", "", m[0]) for m in FIGURE.finditer(said)}
    found |= {("figure", "", m[0].replace(" ", "")) for m in SPELLED_FIGURE.finditer(said)}
    return frozenset(found)


def _clock(m: re.Match[str]) -> str:
    """ "h:mm" of a CLOCK match, with "a" or "p" when said to be in the morning or later."""
    part = (m["part"] or "").lower()
    half = "a" if part.endswith("morning") else "p" if part else ""
    if m["half"]:
        said = m["half"].lower()
        if said == "quarter to":
            return f"{(int(m['h1']) - 1) % 12}:45{half}"
        return f"{int(m['h1']) % 12}:{'15' if said == 'quarter past' else '30'}{half}"
    if m["h5"] or m["h6"]:
        return f"{int(m['h5'] or m['h6']) % 12}:00{half}"
    hour, minute = next((m[f"h{k}"], m[f"m{k}"]) for k in (2, 3, 4) if m[f"h{k}"])
    return f"{int(hour) % 12}:{minute}{half}"


# "eleven fifteen" with no "at" or "o'clock": a time only where the customer gave one
BARE_CLOCK = re.compile(  # not a price or an estimate: "it'll be eleven fifty", "about one fifteen"
    r"(?<!\bbe )(?<!\babout )(?<!\baround )(?<!\broughly )(?<!\bcost )(?<!\bcosts )(?<!\bready )"
    r"(?<![\d.:$£€])\b(?P<h>1[0-2]|[1-9]) (?P<m>[0-5]\d)\b"
    rf"(?!\s?(?:[ap]\.?\s?m\b|{CURRENCY}|pence|p\b|percent|%|{UNIT}))",
    re.IGNORECASE,
)


def bare_times(text: str) -> set[Detail]:
    """Clock times said as two bare numbers ("right, eleven fifteen then")."""
    said = digits_for_words(text)
    return {("time", "", f"{int(m['h']) % 12}:{m['m']}") for m in BARE_CLOCK.finditer(said)}


def with_bare_amounts(said: set[Detail], text: str) -> set[Detail]:
    """The customer's details, with bare numbers of 100 or more taken as amounts when they
    named none with a currency ("it needs to be six hundred and ninety-five"), so an amount
    read back with one can be compared (not "the big one, twenty-three", a bag's weight)."""
    if any(kind == "amount" for kind, _, _ in said):
        return said
    numbers = {float(m["n"]) for m in BARE_NUMBER.finditer(digits_for_words(text))}
    return said | {("amount", "", str(n)) for n in numbers if n >= 100}


def mismatches(
    read_back: set[Detail], said: set[Detail], around: set[Detail] | None = None
) -> list[tuple[Detail, set[Detail]]]:
    """Details of the read-back whose kind (and counted thing) the customer gave, but with
    another value: each with the customer's values of that kind not said back. A read-back
    that also has each of the customer's values ("still on the first, then it moves to the
    twenty-eighth"), in its sentence or the rest of its turn (``around``), gives the other
    value as context, not as a mistake; one that has one of two ("no papers from the twelfth,
    starting again on the twenty-eighth" after "the twelfth … the twenty-first") misread the
    other."""
    out = []
    heard = read_back | (around or set())
    for kind, what, value in sorted(read_back):
        same = {d for d in said if d[0] == kind and d[1] == what}
        missing = same - heard
        if missing and all(d[2] != value for d in same) and not _same_time(kind, value, same):
            out.append(((kind, what, value), missing))
    return out


def number_of(detail: Detail) -> str:
    """A detail's value as it would be written in a sentence ("1500.0" -> "1500")."""
    return re.sub(r"\.0$", "", detail[2])


def numbers_in(text: str) -> set[str]:
    """The numbers said in ``text``, as digits ("no, thirty" -> {"30"})."""
    return set(NUMBER.findall(digits_for_words(text)))


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def misheard(read_back: Detail, said: Detail) -> bool:
    """Whether a value said back differs from the customer's the way misheard numbers do:
    the same digits in another order (1,500 and 1,050), a digit dropped or added (15 and 5,
    250 and 25), a "-teen" for a "-ty" (14 and 40), or for a size, one off (a nine and an
    eight). Such a value in a report or a summing-up is a misreading, not the agent's own
    figure (a price, a total)."""
    if read_back[:2] != said[:2] or read_back[2] == said[2]:
        return False
    a, b = number_of(read_back), number_of(said)
    if not (a.replace(".", "").isdigit() and b.replace(".", "").isdigit()):
        return False
    if read_back[0] == "size":
        return abs(float(a) - float(b)) == 1
    short, long_ = sorted((a, b), key=len)
    dropped = len(long_) == len(short) + 1 and any(
        long_[:k] + long_[k + 1 :] == short for k in range(len(long_))
    )
    teens = {f"1{d}": f"{d}0" for d in "3456789"}
    return sorted(a) == sorted(b) or dropped or teens.get(a) == b or teens.get(b) == a


def _same_time(kind: str, value: str, said: set[Detail]) -> bool:
    """A time read back with "p m" where the customer left it out is the same time."""
    if kind != "time":
        return False
    bare = value.rstrip("ap")
    return any(d[2].rstrip("ap") == bare and (d[2] == bare or value == bare) for d in said)

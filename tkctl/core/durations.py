"""Timekit's durations ("30 minutes", "1 hour", "3 days 2 weeks"): parse, compare, suggest.

Timekit takes a project's availability `length` and `buffer`, and the relative search window
`from` / `to`, as English strings, and stores them as sent (timekit-api.md §11, §3). Every
example the contract gives has the form `<whole number> <unit>`, possibly repeated
("3 days 2 weeks"); that is the form accepted here, in lower case, with the unit singular or
plural ("1 hour", "2 hours", "1 hours" all read as English does). Anything else is refused
with the reason and, where one is likely, the spelling that was meant: "20 minutez",
"15 mins", "30min" and "1.5 hours" all get a "did you mean".

Two spellings are equal when they always mean the same span: "60 minutes" is "1 hour" and
"1 week" is "7 days". Days and months are kept apart from hours: relative to a date, "1 day"
keeps the time of day across a daylight-saving change while "24 hours" does not, and a month
has no fixed number of days. `Duration` holds the three parts separately for that reason,
and `str(duration)` is the one canonical spelling the plan compares.

Pure: no clock, no I/O.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from fractions import Fraction

# Unit -> (part of Duration it adds to, how many of that part)
_UNITS: dict[str, tuple[str, int]] = {
    "second": ("seconds", 1),
    "minute": ("seconds", 60),
    "hour": ("seconds", 3600),
    "day": ("days", 1),
    "week": ("days", 7),
    "month": ("months", 1),
}
UNIT_NAMES = tuple(_UNITS)
_SPELLINGS = {name: name for name in _UNITS} | {name + "s": name for name in _UNITS}
# Abbreviations people type (and reminders' own `when.unit` vocabulary, "mins", "secs"):
# refused, because the contract shows only whole words, but recognised for the suggestion.
_ABBREVIATIONS = {
    "s": "second", "sec": "second", "secs": "second",
    "m": "minute", "min": "minute", "mins": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour",
    "d": "day", "w": "week", "wk": "week", "wks": "week",
    "mo": "month", "mon": "month", "mos": "month", "mth": "month", "mths": "month",
}
_DAY = 86400
# The longest and shortest 6 months and single months can be, in days.
_MONTH_MIN_DAYS, _MONTH_MAX_DAYS = 28, 31

_WORD = re.compile(r"^[a-z]+$")
_NUMBER = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^[0-9]*\.[0-9]+$|^[0-9]+\.[0-9]*$")
_GLUED = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([a-z]+)$")
_PAIR = r"[0-9]+\s+(?:second|minute|hour|day|week|month)s?"
# The accepted form as one regular expression, for the JSON Schema that editors use
# (tests check that it and `parse_duration` agree).
PATTERN = rf"^\s*{_PAIR}(?:\s+{_PAIR})*\s*$"


@dataclass(frozen=True)
class Duration:
    """A span as Timekit reads it: calendar months, calendar days, and exact seconds."""

    months: int = 0
    days: int = 0
    seconds: int = 0

    def __str__(self) -> str:
        parts = []
        if self.months:
            parts.append(_words(self.months, "month"))
        if self.days:
            parts.append(_words(self.days // 7, "week") if self.days % 7 == 0 else _words(self.days, "day"))
        if self.seconds:
            for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
                if self.seconds % size == 0:
                    parts.append(_words(self.seconds // size, unit))
                    break
        return " ".join(parts) or "0 minutes"

    @property
    def shortest_seconds(self) -> int:
        """The least this span can last (months of 28 days)."""
        return (self.months * _MONTH_MIN_DAYS + self.days) * _DAY + self.seconds

    @property
    def longest_seconds(self) -> int:
        """The most this span can last (months of 31 days)."""
        return (self.months * _MONTH_MAX_DAYS + self.days) * _DAY + self.seconds


class DurationError(ValueError):
    """Not a duration: `reason` says why, `suggestion` is the likely intended spelling."""

    def __init__(self, reason: str, suggestion: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


def _words(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _unit_name(word: str) -> str | None:
    """The unit a (possibly abbreviated or misspelt) word most likely names."""
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    if word.lower() in _SPELLINGS:
        return _SPELLINGS[word.lower()]
    if word.lower() in _ABBREVIATIONS:
        return _ABBREVIATIONS[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(_SPELLINGS), n=1, cutoff=0.6)
    return _SPELLINGS[close[0]] if close else None


def _whole(amount: Fraction, unit: str) -> str | None:
    """`amount` of `unit` written as a whole number of the largest unit that allows it."""
    if unit == "month":
        return _words(int(amount), unit) if amount.denominator == 1 else None
    total = amount * _span(unit)
    for name in sorted((u for u in _UNITS if u != "month"), key=_span, reverse=True):
        count = total / _span(name)
        if count.denominator == 1 and count >= 1:
            return _words(int(count), name)
    return None


def _span(unit: str) -> int:
    """Seconds in one `unit` (days counted as 86,400 s; only used to respell decimals)."""
    part, size = _UNITS[unit]
    return size * _DAY if part == "days" else size


def _suggest_pair(number: str, word: str) -> str | None:
    unit = _unit_name(word)
    if unit is None:
        return None
    if _NUMBER.match(number):
        return _words(int(number), unit)
    if _DECIMAL.match(number):
        return _whole(Fraction(number), unit)
    return None


def _suggestion(tokens: list[str]) -> str | None:
    """Best effort: the whole value respelt, or None if any part cannot be guessed."""
    pieces: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("+")
        glued = _GLUED.match(token.lower())
        if glued:
            guess = _suggest_pair(glued.group(1), glued.group(2))
            i += 1
        elif i + 1 < len(tokens):
            guess = _suggest_pair(token, tokens[i + 1])
            i += 2
        else:
            return None
        if guess is None:
            return None
        pieces.append(guess)
    return " ".join(pieces) or None


def parse_duration(text: str) -> Duration:
    """`"1 hour 30 minutes"` -> Duration(seconds=5400); DurationError for anything else."""
    if not isinstance(text, str):
        raise DurationError("it is not a string")
    tokens = text.split()
    if not tokens:
        raise DurationError('it is empty; write for example "30 minutes"')
    if len(tokens) % 2 == 1 and all(_NUMBER.match(t) or _DECIMAL.match(t) for t in tokens[-1:]):
        raise DurationError(f"a number needs a unit ({_unit_list()})")
    parts = {"months": 0, "days": 0, "seconds": 0}
    if len(tokens) % 2 == 0:
        for number, word in zip(tokens[::2], tokens[1::2], strict=True):
            if not _NUMBER.match(number) or word not in _SPELLINGS:
                break
            part, size = _UNITS[_SPELLINGS[word]]
            parts[part] += int(number) * size
        else:
            return Duration(**parts)
    reason, suggestion = _reason(tokens), _suggestion(tokens)
    if suggestion is None and reason.startswith("unknown unit"):
        reason += f" (units: {_unit_list()})"
    raise DurationError(reason, suggestion)


def _reason(tokens: list[str]) -> str:
    for token in tokens:
        bare = token.lstrip("+")
        if token.startswith("-"):
            return "it must not be negative"
        if _DECIMAL.match(bare):
            return "use whole numbers"
        if _GLUED.match(bare.lower()):
            return "put a space between the number and the unit"
        if _WORD.match(token.lower()) and token.lower() != token and token.lower() in _SPELLINGS:
            return "write the unit in lower case"
        if _WORD.match(token.lower()) and token not in _SPELLINGS and not _NUMBER.match(token):
            if token.lower() in _ABBREVIATIONS:
                return f'write the unit in full, not "{token}"'
            return f'unknown unit "{token}"'
        if token.startswith("+"):
            return 'leave out the "+"'
    return f'write a whole number and a unit, for example "30 minutes" or "2 weeks" (units: {_unit_list()})'


def _unit_list() -> str:
    return ", ".join(f"{u}s" for u in UNIT_NAMES[:-1]) + f" or {UNIT_NAMES[-1]}s"


def canonical_duration(text: str) -> str | None:
    """The canonical spelling of a duration string, or None if it is not one."""
    try:
        return str(parse_duration(text))
    except DurationError:
        return None

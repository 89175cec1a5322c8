"""Review and drill intervals written as `90d`, `2w`, `6m` or `1y`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta

_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dwmy])\s*$")


_LIMITS = {"d": 36_500, "w": 5_200, "m": 1_200, "y": 100}


@dataclass(frozen=True)
class Duration:
    """A calendar interval: months and years follow the calendar (31 Jan + 1m = 28/29 Feb)."""

    amount: int
    unit: str  # one of d, w, m, y

    @classmethod
    def parse(cls, text: object) -> Duration:
        match = _DURATION.match(str(text)) if isinstance(text, (str, int)) else None
        if match is None or not 0 < int(match.group(1)) <= _LIMITS[match.group(2)]:
            raise ValueError(
                f"{text!r} is not a duration; write a positive number and a unit, "
                "for example 90d, 2w, 6m or 1y (at most 100 years)"
            )
        return cls(int(match.group(1)), match.group(2))

    def after(self, start: date) -> date:
        """`start` plus the interval; the last representable date when that overflows."""
        try:
            return _add(start, self.amount, self.unit)
        except (OverflowError, ValueError):
            return date.max

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@lru_cache(maxsize=8192)
def _add(start: date, amount: int, unit: str) -> date:
    delta = {
        "d": relativedelta(days=amount),
        "w": relativedelta(weeks=amount),
        "m": relativedelta(months=amount),
        "y": relativedelta(years=amount),
    }[unit]
    result: date = start + delta
    return result

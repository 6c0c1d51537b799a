"""The valid values of a setting (`Range`, given with `setting`) and the check of one section against them
(`check_ranges`): whenever a `Settings` is made (`Settings.__post_init__`), and as a file's values are taken
(`apply_overrides`)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, fields, replace
from typing import Any

from liftform.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """The valid values of one setting: ``low``..``high`` (each bound included unless ``*_open``); for a pair,
    each number in range and ``ascending``; ``below`` names a setting of the same section this one must stay under.
    Whole numbers only when the default is an int. ``or_zero``: 0 is allowed too (the setting's "off")."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    ascending: bool = False
    below: str = ""
    or_zero: bool = False

    def describe(self, default: Any = 0.0) -> str:    # in words; ``default`` tells a pair or a whole number
        low = f"greater than {self.low:g}" if self.low_open else f"at least {self.low:g}"
        high = f"less than {self.high:g}" if self.high_open else f"at most {self.high:g}"
        allowed = ("0, or " if self.or_zero else "") + f"{low} and {high}"
        if isinstance(default, tuple):
            allowed = f"{len(default)} numbers, each {allowed}" + (", ascending" if self.ascending else "")
        elif isinstance(default, int):
            allowed = "True or False" if isinstance(default, bool) else f"a whole number {allowed}"
        return allowed + (f", less than {self.below}" if self.below else "")

    def contains(self, value: float) -> bool:
        if not isinstance(value, numbers.Real):     # "25" or None set in Python (a file's values are coerced)
            return False
        above = value > self.low if self.low_open else value >= self.low
        under = value < self.high if self.high_open else value <= self.high
        return (self.or_zero and value == 0) or (above and under)


def setting(default: Any, low: float, high: float, **limits: Any) -> Any:
    """A settings field with its valid range (:class:`Range`), checked whenever a :class:`Settings` is made."""
    return field(default=default, metadata={"range": Range(low, high, **limits)})


def check_ranges(section: str, values: Any, origin: str = "config") -> None:
    """Raise ConfigError (one line naming the key and its range, set by ``origin``: "config", "profile") if a
    setting of ``values`` (one section's dataclass) is outside its :class:`Range` (one ``below`` another: after it)."""
    for f in sorted(fields(values), key=lambda f: bool(f.metadata.get("range") and f.metadata["range"].below)):
        limits: Range | None = f.metadata.get("range")
        if limits is None:
            continue
        value = getattr(values, f.name)
        each = value if isinstance(value, tuple) and isinstance(f.default, tuple) else (value,)  # a pair for one: none
        whole, allowed = isinstance(f.default, int) and not isinstance(f.default, bool), limits.describe(f.default)
        if isinstance(f.default, tuple) and not (isinstance(value, tuple) and len(value) == len(f.default)):
            allowed, each = f"a tuple of {allowed}", ()     # set in Python: a list, one number (a file's: coerced)
        ok = bool(each) and all(limits.contains(v) and (not whole or float(v).is_integer())   # True: not 1.0
                                and isinstance(v, bool) == isinstance(f.default, bool) for v in each)
        ok = ok and (not limits.ascending or list(each) == sorted(each))
        if limits.below and ok and not value < getattr(values, limits.below):
            allowed, ok = f"less than {limits.below} ({getattr(values, limits.below):g})", False
        if not ok:
            shown = list(value) if isinstance(value, tuple) else value
            raise ConfigError(f"{origin} [{section}] {f.name} must be {allowed}, got {shown!r}")


def as_typed(values: Any) -> Any:
    """``values`` (one section's dataclass, checked) with each number of its default's type, as a file's is read
    (`settings._coerce`): 25 set in Python for a float setting is 25.0, NumPy's numbers Python's. Its JSON is then
    the one read back from result.json: the settings fingerprint of a `score` from Python with 25 had not been its
    results' (25.0), and each run judged every video again."""
    return replace(values, **{f.name: _typed(getattr(values, f.name), f.default) for f in fields(values)})


def _typed(value: Any, default: Any) -> Any:
    if isinstance(default, tuple):
        return tuple(map(_typed, value, default))
    return type(default)(value) if isinstance(default, (bool, int, float)) else value

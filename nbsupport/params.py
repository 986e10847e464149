"""Declared parameters and records of a walkthrough (README, "Profiles and parameters" and "Records").

Each walkthrough declares every knob once, in its ``params.py``::

    PARAMS = Params("06_immune_bistability", [
        knob("ETA", float, "impairment of CTLs at high viral load", value=0.05, low=0, unit="vol^2 cell^-2"),
        knob("BASIN_GRID", int, "points per axis of the basin maps", smoke=10, default=60, paper=160, low=2),
    ])

and its records the same way (``RECORDS = [record_key("immune.ybar", "cells/vol", "...")]``).
From that one declaration ``nbsupport.setup`` validates and resolves a notebook's configuration,
the batch runner refuses a bad ``-p``/``-g`` value before it starts any kernel,
``python -m nbsupport.run NOTEBOOK --describe`` prints both tables, and the tests check that each
notebook's ``parameters`` cell and smoke records match them.

This module is torch-free and imports nothing from the walkthroughs: the runner reads the
declarations in well under a second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

PROFILES = ("smoke", "default", "paper")
DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
_KINDS = (int, float, str, bool, list)


@dataclass(frozen=True)
class Param:
    """One knob of a notebook: its name in the ``parameters`` cell, type, what values are allowed,
    unit, one-line help, and its value in each profile.

    ``low``/``high`` are inclusive bounds, ``above``/``below`` strict ones. ``literal`` knobs have one value for every profile and the ``parameters`` cell holds that value;
    the others hold ``None`` in the cell, meaning "from the profile". ``nullable`` knobs may resolve
    to ``None`` themselves (e.g. "all images"). List knobs check every item against ``item``,
    ``low``/``high`` and ``choices``, and their length against ``length``.
    """

    name: str
    kind: type
    help: str
    values: Mapping[str, Any]
    unit: str = ""
    low: float | None = None
    high: float | None = None
    above: float | None = None
    below: float | None = None
    choices: tuple | None = None
    item: type | None = None
    length: tuple[int, int | None] | None = None
    nullable: bool = False
    literal: bool = False
    multiple_of: int | None = None
    allowed: str | None = None

    @property
    def cell_default(self) -> Any:
        """The value a notebook's ``parameters`` cell holds."""
        return self.values["default"] if self.literal else None

    def allowed_text(self) -> str:
        """What is allowed, in words (for errors and ``--describe``)."""
        if self.allowed:
            return self.allowed
        parts = []
        base = self.item if self.kind is list else self.kind
        if self.choices is not None:
            parts.append("one of " + ", ".join(map(repr, self.choices)))
        else:
            parts.append({int: "an integer", float: "a number", str: "a string", bool: "True or False"}[base])
            bounds = []
            if self.low is not None and self.high is not None:
                bounds.append(f"in {_num(self.low)} .. {_num(self.high)}")
            elif self.low is not None:
                bounds.append(f">= {_num(self.low)}")
            elif self.high is not None:
                bounds.append(f"<= {_num(self.high)}")
            if self.above is not None:
                bounds.append(f"> {_num(self.above)}")
            if self.below is not None:
                bounds.append(f"< {_num(self.below)}")
            if self.multiple_of:
                bounds.append(f"a multiple of {self.multiple_of}")
            if bounds:
                parts.append(" and ".join(bounds))
        text = " ".join(parts)
        if self.kind is list:
            lo, hi = self.length or (1, None)
            count = f"{lo} or more" if hi is None else (f"{lo}" if lo == hi else f"{lo} to {hi}")
            text = f"a list of {count} items, each {text}"
        if self.nullable:
            text += ", or None"
        return text

    def check(self, value: Any) -> Any:
        """The value, normalised (an int for a float knob becomes a float), or a ``ValueError``
        that names the parameter, the value and what is allowed."""
        if value is None:
            if self.nullable:
                return None
            raise self._refuse(value)
        if self.kind is list:
            if not isinstance(value, (list, tuple)):
                raise self._refuse(value)
            lo, hi = self.length or (1, None)
            if len(value) < lo or (hi is not None and len(value) > hi):
                raise self._refuse(value)
            out = []
            for v in value:
                ok, norm = self._check_scalar(v, self.item)
                if not ok:
                    raise self._refuse(value, f"{v!r} is not allowed")
                out.append(norm)
            return out
        ok, norm = self._check_scalar(value, self.kind)
        if not ok:
            raise self._refuse(value)
        return norm

    def _check_scalar(self, value: Any, kind: type | None) -> tuple[bool, Any]:
        if kind is None:
            return True, value
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            value = float(value) if ok else value
        elif kind is str:
            ok = isinstance(value, str)
        else:  # list items of a structured kind (e.g. [channels, side] pairs) are checked by `allowed` rules
            ok = isinstance(value, kind)
        if not ok:
            return False, value
        if self.choices is not None and value not in self.choices:
            return False, value
        if kind in (int, float):
            if self.low is not None and value < self.low:
                return False, value
            if self.high is not None and value > self.high:
                return False, value
            if self.above is not None and not value > self.above:
                return False, value
            if self.below is not None and not value < self.below:
                return False, value
            if self.multiple_of and value % self.multiple_of:
                return False, value
        return True, value

    def _refuse(self, value: Any, detail: str = "") -> ValueError:
        why = f" ({detail})" if detail else ""
        return ValueError(f"{self.name}={value!r} is not allowed{why}; {self.name} must be {self.allowed_text()}")


def knob(name: str, kind: type, help: str, *, value: Any = ..., smoke: Any = ..., default: Any = ...,
         paper: Any = ..., **limits: Any) -> Param:
    """Declare one knob: ``value=`` for one value in every profile (the ``parameters`` cell holds
    it), or ``smoke=``, ``default=``, ``paper=`` (the cell holds ``None``: from the profile)."""
    if kind not in _KINDS:
        raise TypeError(f"knob {name}: kind must be one of {[k.__name__ for k in _KINDS]}")
    if value is not ...:
        if any(v is not ... for v in (smoke, default, paper)):
            raise TypeError(f"knob {name}: give value= or per-profile values, not both")
        values, literal = {p: value for p in PROFILES}, True
    else:
        values, literal = dict(smoke=smoke, default=default, paper=paper), False
        missing = [p for p, v in values.items() if v is ...]
        if missing:
            raise TypeError(f"knob {name}: no value for profile(s) {missing}")
    param = Param(name=name, kind=kind, help=help, values=values, literal=literal, **limits)
    for profile, v in values.items():   # the declaration itself must satisfy its own limits
        try:
            param.check(v)
        except ValueError as exc:
            raise TypeError(f"knob {name}: the {profile} profile's value is refused: {exc}") from None
    return param


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


# The four parameters every notebook has, first in its parameters cell.
COMMON = ("PROFILE", "SEED", "DEVICE", "DATA_DIR")
COMMON_DEFAULTS = {"PROFILE": "default", "SEED": 0, "DEVICE": "auto", "DATA_DIR": ""}
COMMON_HELP = {
    "PROFILE": ("str", "one of " + ", ".join(PROFILES), "named set of defaults: smoke (seconds), default "
                "(the committed run), paper (the paper's scale)"),
    "SEED": ("int", ">= 0", "random seed of the run"),
    "DEVICE": ("str", "one of " + ", ".join(DEVICES), "where torch computes (CPU fallback)"),
    "DATA_DIR": ("str", "an existing folder, or empty", "folder with real data for the paper profile"),
}


def check_common(profile: Any, seed: Any, device: Any, data_dir: Any, *, check_folder: bool = True) -> None:
    """Refuse a bad PROFILE, SEED, DEVICE or DATA_DIR by name."""
    if profile not in PROFILES:
        raise ValueError(f"PROFILE={profile!r} is not allowed; choose one of {', '.join(map(repr, PROFILES))}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"SEED={seed!r} is not allowed; it must be a non-negative integer")
    if not isinstance(device, str) or not _DEVICE_PATTERN.match(device):
        raise ValueError(f"DEVICE={device!r} is not allowed; choose one of {', '.join(map(repr, DEVICES))}")
    if data_dir is None or not isinstance(data_dir, str):
        raise ValueError(f"DATA_DIR={data_dir!r} is not allowed; a folder path as a string, or \"\" for none")
    if check_folder and data_dir:
        from pathlib import Path

        if not Path(data_dir).expanduser().is_dir():
            raise ValueError(f"DATA_DIR={data_dir!r} is not an existing folder; leave it empty or point it at the data")


Rule = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class Params:
    """Every knob of one notebook, plus the rules that involve several knobs at once.

    ``rules`` receive every resolved parameter by upper-case name (``PROFILE`` and ``DATA_DIR``
    included) and raise a ``ValueError`` naming the parameter; they are torch-free and read no
    files, so the runner can apply them before it starts a kernel. ``data_check`` (optional) receives the resolved :class:`~nbsupport.config.Config`
    in ``setup`` and checks what ``DATA_DIR`` must contain.
    """

    notebook: str
    knobs: Sequence[Param]
    uses_torch: bool = False
    rules: Sequence[Rule] = ()
    data_check: Callable[[Any], None] | None = None
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {}
        for p in self.knobs:
            if p.name in by_name or p.name in COMMON:
                raise TypeError(f"{self.notebook}: knob {p.name} declared twice")
            by_name[p.name] = p
        object.__setattr__(self, "_by_name", by_name)

    @property
    def names(self) -> list[str]:
        """Every parameter of a notebook, in the order of its ``parameters`` cell."""
        return [*COMMON, *self._by_name]

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in COMMON or name in self._by_name

    def cell_defaults(self) -> dict[str, Any]:
        """What a notebook's ``parameters`` cell must hold."""
        return {**COMMON_DEFAULTS, **{p.name: p.cell_default for p in self.knobs}}

    def unknown(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if n not in self]

    def resolve(self, given: Mapping[str, Any], *, check_folder: bool = True) -> dict[str, Any]:
        """Upper-case name -> value for every parameter: PROFILE, SEED, DEVICE and DATA_DIR as given
        (or their defaults), each knob from the profile unless given a value that is not ``None``;
        every value checked against its declaration, then every rule applied. Raises a
        ``ValueError`` that names the parameter, the value and what is allowed."""
        unknown = [n for n in given if n not in self]
        if unknown:
            raise ValueError(f"{unknown[0]} is not a parameter of {self.notebook}; its parameters are "
                             f"{', '.join(self.names)}")
        common = {n: given.get(n, COMMON_DEFAULTS[n]) for n in COMMON}
        check_common(*common.values(), check_folder=check_folder)
        resolved = dict(common)
        for p in self.knobs:
            value = given.get(p.name)
            resolved[p.name] = p.check(p.values[common["PROFILE"]] if value is None else value)
        for rule in self.rules:
            rule(resolved)
        return resolved

    def describe(self) -> str:
        """A plain-text table: name, type, allowed, unit, each profile's value, help."""
        rows = [(n, *COMMON_HELP[n][:2], "", *(repr(q if n == "PROFILE" else COMMON_DEFAULTS[n]) for q in PROFILES),
                 COMMON_HELP[n][2]) for n in COMMON]
        for p in self.knobs:
            kind = f"list[{p.item.__name__}]" if p.kind is list and p.item else p.kind.__name__
            rows.append((p.name, kind, p.allowed_text(), p.unit, *(repr(p.values[q]) for q in PROFILES), p.help))
        head = ("parameter", "type", "allowed", "unit", *PROFILES, "help")
        return _table(head, rows)


@dataclass(frozen=True)
class RecordKey:
    """One declared record: a key pattern (``<name>`` stands for one variable part, which may
    contain dots, e.g. a budget ``2.5``), its unit and meaning, and when it is produced (empty:
    in every run, smoke included)."""

    pattern: str
    unit: str
    meaning: str
    when: str = ""
    timing: bool | None = None

    @property
    def depends_on_machine(self) -> bool:
        """Whether the value depends on the machine's speed (a duration, a speed-up, anything
        decided from timings): such records may differ between two runs of the same code; all
        others must not. Durations (unit ``s``, ``ms``, ...) are timings unless said otherwise."""
        return self.timing if self.timing is not None else self.unit.split("/")[0].strip() in TIMING_UNITS

    @property
    def regex(self) -> re.Pattern:
        parts = re.split(r"(<[^<>]+>)", self.pattern)
        body = "".join(r"[A-Za-z0-9_.+-]+?" if part.startswith("<") else re.escape(part) for part in parts)
        return re.compile(f"^{body}$")

    def matches(self, key: str) -> bool:
        return bool(self.regex.match(key))


TIMING_UNITS = ("s", "ms", "us", "ms per iteration", "s per 1k iterations")


def record_key(pattern: str, unit: str, meaning: str, when: str = "", timing: bool | None = None) -> RecordKey:
    """Declare a record; ``timing=True`` for a value derived from timings that is not itself a
    duration (a speed-up, a ratio of latencies), so the same-records check leaves it out."""
    return RecordKey(pattern, unit, meaning, when, timing)


def declared_pattern(key: str, records: Sequence[RecordKey]) -> RecordKey | None:
    """The declaration ``key`` falls under, or None."""
    for spec in records:
        if spec.matches(key):
            return spec
    return None


def describe_records(records: Sequence[RecordKey]) -> str:
    rows = [(r.pattern, r.unit, r.meaning + (f" (only {r.when})" if r.when else "")) for r in records]
    return _table(("record", "unit", "meaning"), rows)


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    rows = [tuple(map(str, r)) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    widths[-1] = 0   # the last column (help or meaning) is not padded
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * max(w, len(h)) for w, h in zip(widths, head)]), *map(line, rows)])

"""Argument parsing shared by the ``levyfast`` CLI and the subcommands other packages add
(``levyfast.commands`` entry points): a parser whose errors are one line, and argparse types
that check numbers where they are parsed."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["COUNT", "FINITE", "FRACTION", "NON_NEGATIVE", "POSITIVE", "POSITIVE_INT",
           "OneLineErrorParser", "number"]


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``levyfast <command>: error: <what> (see --help)``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def number(kind: type, low: float | None = None, strict: bool = True,
           high: float | None = None) -> Callable[[str], Any]:
    """An argparse type: a finite ``kind`` (int or float) above ``low`` (or at it when not
    ``strict``) and at most ``high``; the message says which."""
    bound = "" if low is None else f" {'>' if strict else '>='} {low:g}"
    bound += "" if high is None else f"{' and' if bound else ''} <= {high:g}"
    what = f"a finite {'integer' if kind is int else 'number'}{bound}"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
        if (not math.isfinite(value)
                or (low is not None and (value <= low if strict else value < low))
                or (high is not None and value > high)):
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
        return value

    return parse


POSITIVE_INT = number(int, 0)
COUNT = number(int, 0, strict=False)
POSITIVE = number(float, 0.0)
FINITE = number(float)
NON_NEGATIVE = number(float, 0.0, strict=False)
#: A fraction in [0, 1].
FRACTION = number(float, 0.0, strict=False, high=1.0)

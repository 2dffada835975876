"""Synthetic people: BSNs that pass the 11-proof from the test range, obviously fake names and addresses."""

from __future__ import annotations

import random
from collections.abc import Iterator

from jeugdkpi.pseudonym import elfproef

TEST_RANGE = (999900006, 999999990)  # the BSN test range: never issued to real people
FALLBACK_START = 100000009  # only used beyond ~9,000 youths; still fake, documented in docs/demo-region.md

# Reserved for the deliberate error files (never given to a generated youth).
RESERVED_BSN = "999999990"

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da",
              "fe", "go", "hu", "je", "pi", "wa", "zo", "ly", "xe", "qu"]
_POSTCODE_LETTERS = "QRSTUVWXYZ"  # not hexadecimal, so a postcode can never hide inside a hash


def _check_digit(prefix8: int) -> int | None:
    digits = f"{prefix8:08d}"
    total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1)))
    c = total % 11
    return c if c < 10 else None


def _valid_from_prefixes(first_prefix: int, last_prefix: int) -> Iterator[str]:
    for prefix in range(first_prefix, last_prefix + 1):
        c = _check_digit(prefix)
        if c is not None:
            bsn = f"{prefix:08d}{c}"
            if bsn != "000000000":
                yield bsn


def bsn_pool(n: int, rng: random.Random) -> list[str]:
    """n distinct BSNs passing the 11-proof: the test range first (shuffled), then the fallback range."""
    lo, hi = TEST_RANGE
    test = [b for b in _valid_from_prefixes(lo // 10, hi // 10) if lo <= int(b) <= hi and b != RESERVED_BSN]
    rng.shuffle(test)
    if n <= len(test):
        return test[:n]
    extra = []
    for b in _valid_from_prefixes(FALLBACK_START // 10, 99999999):
        if int(b) < FALLBACK_START:
            continue
        extra.append(b)
        if len(test) + len(extra) >= n:
            break
    pool = test + extra
    assert all(elfproef(b) for b in pool[:10])
    return pool


def invalid_bsn() -> str:
    """A 9-digit number that fails the 11-proof (for the deliberate error file)."""
    for candidate in range(999999999, 999900000, -1):
        s = str(candidate)
        if not elfproef(s):
            return s
    raise AssertionError("unreachable")


def word(n: int) -> str:
    """A pronounceable fake word, unique per n (3 syllables below 8000, then 4, ...)."""
    base = len(_SYLLABLES)
    parts = []
    k = n
    for _ in range(3):
        parts.append(_SYLLABLES[k % base])
        k //= base
    while k:
        parts.append(_SYLLABLES[k % base])
        k //= base
    return "".join(parts).capitalize()


def surname(i: int) -> str:
    return f"Testpersoon-{word(i)}"


def first_name(i: int) -> str:
    return f"Demo{word(i * 7919 % 8000).lower()}"


def parent_surname(i: int) -> str:
    return f"Testouder-{word(i)}"


def postcode(i: int) -> str:
    return f"{1000 + (i * 37) % 9000:04d}{_POSTCODE_LETTERS[i % 10]}{_POSTCODE_LETTERS[(i // 10) % 10]}"


def phone(i: int) -> str:
    return f"0699{i % 1000000:06d}"


STREET = "Voorbeeldstraat"

"""Suggestions for a value the user got almost right: a country by name or near miss, an id or key by closeness."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from functools import cache

import pycountry

# Past this many candidates a closeness search per bad value costs more than it helps (100,000 ids: ~0.1 s each).
MAX_CANDIDATES = 20_000
# Ids are at most 256 characters and country names shorter: a longer value is no near miss, and comparing a
# hostile 2 MB value with every candidate would take seconds.
MAX_SUGGESTED_CHARS = 300


@cache
def _country_names() -> dict[str, str]:
    """Lower-cased names (short, common, official) -> alpha-2 code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(value.lower(), country.alpha_2)
    return names


def country_code(text: str) -> str | None:
    """The alpha-2 code a person most likely meant by `text` (a name, a near miss, an alpha-3 code), or None."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_SUGGESTED_CHARS:
        return None
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        pass
    close = difflib.get_close_matches(cleaned.lower(), list(_country_names()), n=1, cutoff=0.8)
    if close:
        return _country_names()[close[0]]
    if len(cleaned) < 4:
        return None  # a short unknown code: pycountry's fuzzy search would match it inside any name
    try:
        matches = pycountry.countries.search_fuzzy(cleaned)
    except LookupError:
        return None
    # search_fuzzy also matches a country through one of its subdivisions ("Narnia" would find Armenia): keep
    # only countries whose own name holds the text.
    wanted = cleaned.lower()
    for match in matches:
        names = (getattr(match, attribute, "") or "" for attribute in ("name", "common_name", "official_name"))
        if any(wanted in name.lower() for name in names):
            return str(match.alpha_2)
    return None


def closest(value: str, candidates: Collection[str]) -> str | None:
    """The candidate closest to `value` by difflib's ratio (at least 0.6), None when none is or too many to ask."""
    if not candidates or len(candidates) > MAX_CANDIDATES or len(value) > MAX_SUGGESTED_CHARS:
        return None
    found = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(value: str, candidates: Collection[str]) -> str:
    """"; did you mean 'x'?" or the empty string."""
    match = closest(value, candidates)
    return f"; did you mean {match!r}?" if match is not None else ""

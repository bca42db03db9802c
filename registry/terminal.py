"""Text from the registry made safe to print: what a terminal would act on is shown as an escape instead."""

from __future__ import annotations

import unicodedata

# Bidi embeddings, overrides and isolates reorder what a reader sees; line and paragraph separators break lines.
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` on one line with every control character (ESC, CR, newline, C1 codes) and every bidi control
    written as a visible escape (`\\x1b`, `\\n`, `\\u202e`): a stored value can neither move the cursor, recolour
    the terminal, nor start a line of its own that would pass for a finding or a log entry."""
    if text.isprintable() and not _REORDERING.intersection(text):
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if unicodedata.category(char) == "Cc" or char in _REORDERING:
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    return char

"""Text from submissions made safe to print on a terminal: no control characters reach the instructor's screen."""

from __future__ import annotations

import unicodedata

# Cc: C0/C1 controls (ANSI escapes, carriage return, backspace, bell); Cf: format characters (bidirectional
# overrides that reorder what is shown, zero-width characters); Zl/Zp: line and paragraph separators; Cs: lone
# surrogates (undecodable bytes of a file name).
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def printable(text: object, keep_newlines: bool = False) -> str:
    """`text` with every control or format character written as a visible escape (\\x1b, \\u202e, ...).

    Newlines are escaped too unless keep_newlines: one message stays one line.
    """
    pieces = []
    for character in str(text):
        if keep_newlines and character == "\n":
            pieces.append(character)
        elif unicodedata.category(character) in _UNSAFE_CATEGORIES:
            code = ord(character)
            pieces.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            pieces.append(character)
    return "".join(pieces)

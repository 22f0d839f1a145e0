"""What typed text may contain, for drafts and submissions alike.

Every string of a parsed form is normalised to Unicode NFC (the same word typed on two systems is
stored the same way). Control characters other than newline and tab (NUL, ...), the text-direction
controls that can make text read differently from how it is stored (U+202A-U+202E,
U+2066-U+2069) and lone surrogates (not text at all; they break JSON and databases) are refused
and removed, so the form shown again holds clean text next to the message. A whole form's data
is at most MAX_DATA_BYTES of JSON: it is kept in task data and the audit trail.
"""
from __future__ import annotations

import json
import re
import unicodedata

MAX_DATA_BYTES = 256 * 1024
REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_strings(value: object, path: tuple = ()) -> tuple[object, list[tuple[tuple, str]]]:
    """``value`` with every string normalised and refused characters removed, and where they were.

    Returns (cleaned value, [(path, first refused character as 'U+XXXX'), ...]).
    """
    if isinstance(value, str):
        found = REFUSED.search(value)
        if found is None:
            return unicodedata.normalize("NFC", value), []
        cleaned = unicodedata.normalize("NFC", REFUSED.sub("", value))
        return cleaned, [(path, f"U+{ord(found.group()):04X}")]
    problems: list[tuple[tuple, str]] = []
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            result[key], found = clean_strings(item, path + (key,))
            problems += found
        return result, problems
    if isinstance(value, list):
        result_list = []
        for index, item in enumerate(value):
            cleaned, found = clean_strings(item, path + (index,))
            result_list.append(cleaned)
            problems += found
        return result_list, problems
    return value, problems


def too_large(data: object) -> bool:
    """True if the data would take more than MAX_DATA_BYTES as JSON."""
    return len(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")) > MAX_DATA_BYTES

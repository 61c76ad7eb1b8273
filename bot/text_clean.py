"""What typed text may contain: C0 control characters (other than tab and line breaks) are not
allowed in XML and mean nothing to a person, and bidirectional overrides (U+202A–U+202E,
U+2066–U+2069) can make stored text read differently from what it is. Both are dropped from
inbound text; everything else (emoji and their joiners included) is kept as typed."""
from __future__ import annotations

import re

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def xml_safe(text: str) -> str:
    """Drop the characters an XML 1.0 parser refuses (before parsing a decrypted callback)."""
    return _XML_INVALID.sub("", text)


def clean_text(text: str) -> str:
    """Typed text as stored: without control characters and bidirectional overrides."""
    return _BIDI.sub("", xml_safe(text))

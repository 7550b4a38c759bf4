"""The `email` and `url` formats of form fields, defined without a regex engine's quirks.

email: ASCII, at most 254 characters, one `@`. The local part has 1 to 64
characters from `A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ ` { | } ~ - .`, and
does not start or end with `.` nor hold `..`. The domain is a host name of
at least two labels.

url: ASCII without spaces or control characters, at most 2048 characters:
`http` or `https` (any case), `://`, a host (a host name, or an IPv4 address
in dotted decimal without leading zeros), an optional `:port` (1 to 65535),
then nothing or a part starting with `/`, `?` or `#`. No user info.

host name: labels of 1 to 63 characters from `A-Z a-z 0-9 -`, not starting
or ending with `-`, joined by `.`, at most 253 characters; the last label
is not all digits.
"""

from __future__ import annotations

import string

_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-.")
_LABEL = frozenset(string.ascii_letters + string.digits + "-")


def is_hostname(text: str, min_labels: int = 1) -> bool:
    labels = text.split(".")
    if len(text) > 253 or len(labels) < min_labels:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or not set(label) <= _LABEL:
            return False
        if label[0] == "-" or label[-1] == "-":
            return False
    return not labels[-1].isdigit()


def is_ipv4(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(
        p.isascii() and p.isdigit() and len(p) <= 3 and (p == "0" or p[0] != "0")
        and int(p) <= 255 for p in parts)


def is_email(text: str) -> bool:
    if not text.isascii() or len(text) > 254 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not 1 <= len(local) <= 64 or not set(local) <= _ATEXT:
        return False
    if local[0] == "." or local[-1] == "." or ".." in local:
        return False
    return is_hostname(domain, min_labels=2)


def is_url(text: str) -> bool:
    if not text.isascii() or len(text) > 2048 or any(ord(c) <= 32 or ord(c) == 127 for c in text):
        return False
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return False
    end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    authority = rest[:end]
    host, colon, port = authority.partition(":")
    if colon and not (port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
        return False
    return is_ipv4(host) or is_hostname(host)

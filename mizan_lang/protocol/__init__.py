"""The Mizan wire protocol's pure parts: a reference implementation of docs/protocol.md.

Used by the plan and by tests; generated servers import the same semantics
from the mizan-runtime package (runtimes/python/mizan_runtime/core.py), and
both replay the vectors in protocol/vectors/.
"""

from .manifest import DEFAULT_PREFIX, PROTOCOL_VERSION

__all__ = ["DEFAULT_PREFIX", "PROTOCOL_VERSION"]

"""Privacy: redaction of free text, the leak scanner, disclosure control of published counts.

``from samverkan.privacy import redact`` is the stable entry point (``redact(text) -> str``).
It is resolved on first use, so that importing disclosure control does not load the
redactor's word lists.
"""

from __future__ import annotations

from typing import Any

__all__ = ["redact"]


def __getattr__(name: str) -> Any:
    if name == "redact":
        from samverkan.privacy.redaction import redact

        return redact
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""What the vendor modules share: the request as they see it, their reply, Basic auth."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    """The path after the vendor's prefix, without a leading slash."""
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes
    base_url: str
    """Scheme, host and the vendor prefix, for links."""
    short: bool = False
    """Serve a short page (a fault)."""


@dataclass
class Reply:
    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, sep, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def page_limit(request: Request, name: str, default: int, maximum: int) -> int | Reply:
    try:
        limit = int(request.query.get(name, default))
    except ValueError:
        return error(400, f"{name} must be a number")
    limit = max(1, min(limit, maximum))
    return max(1, limit // 2) if request.short else limit

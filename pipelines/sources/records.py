"""Reading a vendor record's fields and update stamp, in plain Python (the loader does it in SQL)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_stamp(text, stamp_format: str) -> datetime | None:
    """The vendor's update stamp as a naive UTC datetime; None when it cannot be read."""
    if text is None or text == "":
        return None
    try:
        if stamp_format == "epoch":
            return datetime.fromtimestamp(float(text), UTC).replace(tzinfo=None)
        if stamp_format == "servicenow":
            return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S")
        if stamp_format == "jira":
            return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC).replace(tzinfo=None)
        parsed = datetime.fromisoformat(str(text))
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (TypeError, ValueError, OverflowError):
        return None


def json_path(record: dict, path: str):
    """The value at a `$.a.b` path, or None."""
    value = record
    for part in path.removeprefix("$.").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def field_value(record: dict, path: str, wrapped: bool = False):
    """The value at `path`; of a wrapped-values source (SourceEntity.wrapped_values), the `value`
    of a `{"value": ..., "display_value": ...}` object, as the loader reads it."""
    value = json_path(record, path)
    return value.get("value") if wrapped and isinstance(value, dict) else value


def field_text(record: dict, name: str) -> str:
    """A ServiceNow field as text, whatever its shape (plain, `{"value", "link"}`,
    `{"value", "display_value"}`); "" for a missing or null one, as ServiceNow writes it."""
    value = field_value(record, name, wrapped=True)
    return "" if value is None else str(value)

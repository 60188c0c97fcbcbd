"""Where things are and the site's settings, read when asked (never at import time).

Paths come from the environment variables of RUNNING.md, with defaults under `data/`.
Site settings come from `$USM_CONFIG` (default `usm.yaml` when present): see README.
"""

from __future__ import annotations

import codecs
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml


def _path(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or default).resolve()


def landing_dir() -> Path:
    return _path("USM_LANDING_DIR", "data/landing")


def duckdb_path() -> Path:
    return _path("USM_DUCKDB_PATH", "data/warehouse.duckdb")


def output_dir() -> Path:
    return _path("USM_OUTPUT_DIR", "data/output")


def dagster_home() -> Path:
    return _path("DAGSTER_HOME", ".dagster")


@dataclass(frozen=True)
class CsvDialect:
    """How one system's CSV exports are written; instance settings, so configurable."""

    date_format: str = "%Y-%m-%d %H:%M:%S"
    null_marker: str | tuple[str, ...] = ""
    """The text (or list of texts) a cell holds for null; an empty cell is null whatever this says."""
    delimiter: str = ","
    id_column: str | None = None
    """Overrides the catalog's id field (a history export may carry `number`, not `sys_id`)."""
    updated_column: str | None = None
    """Overrides the catalog's update stamp field."""
    encoding: str = "utf-8"
    """The file's text encoding (any Python codec name); read as UTF-8 (README, "Any other tool")."""
    decimal_comma: bool = False
    """Numbers are written `1.234,5`: the comma is the decimal separator, dots and spaces group digits."""
    ignore_columns: tuple[str, ...] = ()
    """Header names whose columns are not loaded (every column of that name, a repeated one too)."""
    rename_columns: tuple[tuple[str, str], ...] = ()
    """(header name, name to load it as); the n-th column of a name repeated in the header is `name#n`."""
    time_zone: str = "UTC"
    """The zone of stamps written without an offset (a stamp with one keeps its own)."""

    @property
    def null_strings(self) -> list[str]:
        """Every text read as null: the empty cell and the declared markers."""
        markers = (self.null_marker,) if isinstance(self.null_marker, str) else tuple(self.null_marker)
        return list(dict.fromkeys(("", *markers)))


# usm.yaml `tools:`: the column roles a declared tool's export may name (README, "Any other tool").
TOOL_COLUMN_ROLES = (
    "id", "updated", "opened", "responded", "resolved", "closed", "reopened", "reopen_count",
    "state", "priority", "category", "subcategory", "client", "requester",
)
TOOL_ROWS = ("per_record", "per_update")
TOOL_CSV_KEYS = (
    "date_format", "null_marker", "delimiter", "encoding", "decimal_comma", "time_zone",
    "ignore_columns", "rename_columns",
)
# Names a declared tool cannot take: the shipped systems and the raw layer's own schemas.
RESERVED_SYSTEMS = frozenset(
    {"connectwise", "servicenow", "jira", "ninjaone", "reviews", "mappings", "quarantine", "maintenance"}
)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class DeclaredTool:
    """usm.yaml `tools:` entry: an ITSM or PSA system without a connector of its own, read from its
    CSV export through declared columns. It lands in `<landing>/<system>/<entity>/`, loads into
    `raw_<system>.<entity>` and its tickets are `<system>:<id>` in fct_tickets."""

    system: str
    columns: dict[str, str]
    """Column role (TOOL_COLUMN_ROLES) -> the export's column name."""
    entity: str = "tickets"
    rows: str = "per_record"
    """per_record: one row per record (its current state); per_update: a history export, one row
    per change of a record, whose sequence of states is the record's state history."""
    csv: CsvDialect = field(default_factory=CsvDialect)
    numbers: tuple[str, ...] = ()
    """Numeric columns: read with the dialect's decimal separator; not a number or negative is quarantined."""

    def dbt_variable(self) -> dict[str, object]:
        return {
            "system": self.system,
            "entity": self.entity,
            "rows": self.rows,
            "date_format": self.csv.date_format,
            "time_zone": self.csv.time_zone,
            "columns": dict(self.columns),
        }


@dataclass(frozen=True)
class AlertsConfig:
    """usm.yaml `alerts`: when the `usm_alerts` sensor posts to the webhook (README, "Alerts and freshness")."""

    webhook_url_env: str = "USM_ALERT_WEBHOOK_URL"
    """The environment variable that holds the webhook's URL: the URL is a secret, never in usm.yaml."""
    amount_at_risk_threshold: float = 5000
    """Post when the amount at risk of open reconciliation exceptions rises above this."""
    sla_at_risk_threshold: int = 10
    """Post when the running SLA clocks at risk (`marts.ticket_sla.is_at_risk`) rise above this many."""


# The first daily partition unless usm.yaml says `extracts_from:` (a history export may start earlier).
DEFAULT_EXTRACTS_FROM = date(2016, 1, 1)
TOP_LEVEL_KEYS = ("time_zone", "extracts_from", "csv", "dbt_vars", "retention", "alerts", "tools")


@dataclass(frozen=True)
class SiteConfig:
    time_zone: str = "UTC"
    extracts_from: date = DEFAULT_EXTRACTS_FROM
    """The first extract date the Dagster partitions hold; a landing file dated before it is refused."""
    csv: dict[str, CsvDialect] = field(default_factory=dict)
    """Per system: the dialect of its CSV exports."""
    dbt_vars: dict[str, object] = field(default_factory=dict)
    """Site settings the dbt models read (`vars:` in dbt_project.yml lists them with defaults),
    e.g. which Jira custom field holds the request type."""
    raw_retention_days: int | None = None
    """Superseded raw versions and quarantined text older than this many days (before the newest
    extract date) are removed after each run; None keeps everything."""
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    tools: tuple[DeclaredTool, ...] = ()
    """Systems read through a declared CSV mapping (README, "Any other tool")."""

    def csv_dialect(self, system: str) -> CsvDialect:
        tool = next((tool for tool in self.tools if tool.system == system), None)
        return tool.csv if tool else self.csv.get(system, CsvDialect())

    def dbt_variables(self) -> dict[str, object]:
        """The vars for `dbt build`: the ServiceNow CSV stamp format comes from the one place
        it is configured (`csv.servicenow.date_format`), the declared tools from `tools`, then
        any explicit dbt_vars."""
        derived: dict[str, object] = {}
        if "servicenow" in self.csv:
            derived["servicenow_csv_stamp_format"] = self.csv["servicenow"].date_format
        if self.tools:
            derived["declared_tools"] = [tool.dbt_variable() for tool in self.tools]
        return {**derived, **self.dbt_vars}


def site_config() -> SiteConfig:
    configured = os.environ.get("USM_CONFIG")
    path = Path(configured) if configured else Path("usm.yaml")
    if not path.exists():
        if configured:
            raise FileNotFoundError(f"USM_CONFIG names {path}, which does not exist")
        return SiteConfig()
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must be a mapping of settings ({', '.join(TOP_LEVEL_KEYS)})")
    unknown = sorted(set(raw) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown keys {unknown}; known: {list(TOP_LEVEL_KEYS)}")
    return SiteConfig(
        time_zone=raw.get("time_zone", "UTC"),
        extracts_from=_extracts_from(path, raw.get("extracts_from", DEFAULT_EXTRACTS_FROM)),
        csv={system: CsvDialect(**dialect) for system, dialect in (raw.get("csv") or {}).items()},
        dbt_vars=raw.get("dbt_vars") or {},
        raw_retention_days=_retention_days(path, (raw.get("retention") or {}).get("raw_days")),
        alerts=_alerts(path, raw.get("alerts") or {}),
        tools=_tools(path, raw.get("tools") or []),
    )


def _extracts_from(path: Path, value) -> date:
    """A date, written 2010-01-01 (YAML reads it as a date; quoted, as text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{path}: extracts_from must be a date (YYYY-MM-DD), not {value!r}") from None


def _retention_days(path: Path, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{path}: retention.raw_days must be a whole number of days (0 or more), not {value!r}")
    return value


def _alerts(path: Path, raw: dict) -> AlertsConfig:
    known = set(AlertsConfig.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        hint = (
            " (the URL is a secret: set it in the environment variable named by webhook_url_env)"
            if any("url" in key for key in unknown)
            else ""
        )
        raise ValueError(f"{path}: alerts has unknown keys {unknown}; known: {sorted(known)}{hint}")
    config = AlertsConfig(**raw)
    if not isinstance(config.webhook_url_env, str) or not config.webhook_url_env:
        raise ValueError(f"{path}: alerts.webhook_url_env must name an environment variable")
    for key in ("amount_at_risk_threshold", "sla_at_risk_threshold"):
        value = getattr(config, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{path}: alerts.{key} must be a number (0 or more), not {value!r}")
    return config


def _tools(path: Path, raw) -> tuple[DeclaredTool, ...]:
    """usm.yaml `tools:`, checked: every name is a plain identifier (it becomes a schema and a folder),
    every column a name the loader and the models can address."""
    if not isinstance(raw, list):
        raise ValueError(f"{path}: tools must be a list of declared tools")
    tools: list[DeclaredTool] = []
    for index, entry in enumerate(raw):
        where = f"{path}: tools[{index}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be a mapping (system, entity, rows, csv, columns, numbers)")
        unknown = sorted(set(entry) - {"system", "entity", "rows", "csv", "columns", "numbers"})
        if unknown:
            raise ValueError(f"{where} has unknown keys {unknown}")
        system, entity = entry.get("system"), entry.get("entity", "tickets")
        for key, value in (("system", system), ("entity", entity)):
            if not isinstance(value, str) or not _NAME.match(value):
                raise ValueError(f"{where}.{key} must be a lower-case name ([a-z][a-z0-9_]*), not {value!r}")
        where = f"{path}: tools {system}"
        if system in RESERVED_SYSTEMS:
            raise ValueError(f"{where}: {system!r} is a shipped system or a reserved name; declare another")
        if any(tool.system == system for tool in tools):
            raise ValueError(f"{where}: declared twice")
        rows = entry.get("rows", "per_record")
        if rows not in TOOL_ROWS:
            raise ValueError(f"{where}: rows must be one of {list(TOOL_ROWS)}, not {rows!r}")
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            raise ValueError(f"{where}: columns must map roles to the export's column names")
        unknown = sorted(set(columns) - set(TOOL_COLUMN_ROLES))
        if unknown:
            raise ValueError(f"{where}: columns has unknown roles {unknown}; known: {list(TOOL_COLUMN_ROLES)}")
        # An event log's opening is its first row's stamp, so a per_update export may leave `opened` out.
        required = ("id", "updated") if rows == "per_update" else ("id", "opened")
        missing = [role for role in required if role not in columns]
        if missing:
            raise ValueError(f"{where}: columns must name {missing} (rows: {rows})")
        numbers = entry.get("numbers") or []
        if not isinstance(numbers, list):
            raise ValueError(f"{where}: numbers must be a list of column names")
        for column in [*columns.values(), *numbers]:
            if not isinstance(column, str) or not column.strip() or '"' in column or not column.isprintable():
                raise ValueError(
                    f"{where}: {column!r} is not a usable column name (empty, a double quote or a control character)"
                )
        tools.append(
            DeclaredTool(
                system=system,
                entity=entity,
                rows=rows,
                columns={role: column.strip() for role, column in columns.items()},
                csv=_tool_dialect(where, entry.get("csv") or {}, columns),
                numbers=tuple(column.strip() for column in numbers),
            )
        )
    return tuple(tools)


def _known_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _names(where: str, key: str, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) and name.strip() for name in value):
        raise ValueError(f"{where}: csv.{key} must be a list of non-empty texts, not {value!r}")
    return [name.strip() for name in value]


def _tool_dialect(where: str, raw, columns: dict[str, str]) -> CsvDialect:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: csv must be a mapping of {list(TOOL_CSV_KEYS)}")
    unknown = sorted(set(raw) - set(TOOL_CSV_KEYS))
    if unknown:
        hint = " (the id and update columns are columns.id and columns.updated)"
        hint = hint if any("column" in key and key not in TOOL_CSV_KEYS for key in unknown) else ""
        raise ValueError(f"{where}: csv has unknown keys {unknown}; known: {list(TOOL_CSV_KEYS)}{hint}")
    raw = dict(raw)
    markers = raw.get("null_marker", "")
    if isinstance(markers, list):
        raw["null_marker"] = tuple(_names(where, "null_marker", markers))
    raw["ignore_columns"] = tuple(_names(where, "ignore_columns", raw.get("ignore_columns", [])))
    renames = raw.get("rename_columns", {})
    if not isinstance(renames, dict) or not all(
        isinstance(old, str) and isinstance(new, str) and old.strip() and new.strip() and '"' not in new
        for old, new in renames.items()
    ):
        raise ValueError(f"{where}: csv.rename_columns must map header names to new names, not {renames!r}")
    raw["rename_columns"] = tuple((old.strip(), new.strip()) for old, new in renames.items())
    dialect = CsvDialect(
        **raw, id_column=columns["id"].strip(), updated_column=(columns.get("updated") or "").strip() or None
    )
    if not isinstance(dialect.delimiter, str) or len(dialect.delimiter) != 1:
        raise ValueError(f"{where}: csv.delimiter must be one character, not {dialect.delimiter!r}")
    if not isinstance(dialect.date_format, str) or "%" not in dialect.date_format:
        raise ValueError(f"{where}: csv.date_format must be a strptime format (e.g. %d-%m-%Y %H:%M)")
    if not isinstance(dialect.null_marker, str | tuple):
        raise ValueError(f"{where}: csv.null_marker must be a text or a list of texts, not {dialect.null_marker!r}")
    if not isinstance(dialect.decimal_comma, bool):
        raise ValueError(f"{where}: csv.decimal_comma must be true or false")
    if not isinstance(dialect.time_zone, str) or not _known_time_zone(dialect.time_zone):
        raise ValueError(f"{where}: csv.time_zone {dialect.time_zone!r} is not a time zone name (Europe/Amsterdam)")
    try:
        codecs.lookup(str(dialect.encoding))
    except LookupError as error:
        raise ValueError(f"{where}: csv.encoding {dialect.encoding!r} is not a known encoding") from error
    return dialect

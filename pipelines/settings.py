"""Where things are and the site's settings, read when asked (never at import time).

Paths come from environment variables, with defaults under `data/` (docs/commands.md).
Site settings come from `$USM_CONFIG` (default `usm.yaml` when present), validated as a whole:
a wrong key or value anywhere is one line naming it (docs/configuration.md).
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import typing
import zoneinfo
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.errors import UserError


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


DEFAULT_DUCKDB_MEMORY_LIMIT = "1536MB"
"""DuckDB's memory when USM_DUCKDB_MEMORY_LIMIT is unset; dbt_project/profiles.yml spells the same default."""


DUCKDB_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)?", re.IGNORECASE)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit in the pipeline (dbt's profile reads the same variable): left to itself,
    DuckDB takes 80 % of the machine, and a year's run peaked at 4.4 GiB. A value DuckDB would refuse
    in every step is refused here, in one line."""
    value = os.environ.get("USM_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT
    if not DUCKDB_SIZE.fullmatch(value.strip()):
        raise SettingsError(f"USM_DUCKDB_MEMORY_LIMIT={value!r} is not a DuckDB size: write it like 1536MB or 2GB")
    return value


# How Dagster records a run over many extract dates, for every process that creates or executes runs
# (`usm run`, `make dev`; in production the webserver's, the daemon's and the run workers' environment:
# docs/production.md). By default a run over a year writes two events per raw asset and date, one
# "planned" and one materialization (15,000 for the raw assets): a raw asset with nothing to load took
# 36 s on the SQLite instance and 19 s on PostgreSQL. With these, one "planned" event per asset names
# the whole range, and PostgreSQL stores the materializations in batched inserts: 14.5 s and 1.8 s.
# The price: the dates of a run that fails show as missing, not failed (the run shows the failure).
DAGSTER_EVENT_SETTINGS = {
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1",
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
}


def use_dagster_event_settings() -> None:
    """DAGSTER_EVENT_SETTINGS in this process's environment (and its children's), unless set already."""
    for name, value in DAGSTER_EVENT_SETTINGS.items():
        os.environ.setdefault(name, value)


class SettingsError(UserError, ValueError):
    """usm.yaml is wrong: the message is one line naming the file, the key and what it may be."""


class _Settings(BaseModel):
    # extra="forbid": a misspelt key is refused, never silently ignored.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _known_time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name (Europe/Amsterdam)") from None
    return name


TimeZone = Annotated[str, Field(min_length=1)]


def _texts(key: str, value) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(name, str) and name.strip() for name in value):
        raise ValueError(f"must be a list of non-empty texts, not {value!r}")
    return tuple(name.strip() for name in value)


class CsvDialect(_Settings):
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
    """The file's text encoding (any Python codec name); read as UTF-8 (docs/landing.md, declared tools)."""
    decimal_comma: bool = False
    """Numbers are written `1.234,5`: the comma is the decimal separator, dots and spaces group digits."""
    ignore_columns: tuple[str, ...] = ()
    """Header names whose columns are not loaded (every column of that name, a repeated one too)."""
    rename_columns: tuple[tuple[str, str], ...] = ()
    """(header name, name to load it as); the n-th column of a name repeated in the header is `name#n`."""
    time_zone: TimeZone = "UTC"
    """The zone of stamps written without an offset (a stamp with one keeps its own)."""

    @property
    def null_strings(self) -> list[str]:
        """Every text read as null: the empty cell and the declared markers."""
        markers = (self.null_marker,) if isinstance(self.null_marker, str) else tuple(self.null_marker)
        return list(dict.fromkeys(("", *markers)))

    @field_validator("null_marker", mode="before")
    @classmethod
    def _null_marker(cls, value):
        return _texts("null_marker", value) if isinstance(value, list) else value

    @field_validator("ignore_columns", mode="before")
    @classmethod
    def _ignore_columns(cls, value):
        return _texts("ignore_columns", value)

    @field_validator("rename_columns", mode="before")
    @classmethod
    def _rename_columns(cls, value):
        pairs = value.items() if isinstance(value, dict) else value
        try:
            renames = tuple((old, new) for old, new in pairs)
        except (TypeError, ValueError):
            renames = None
        if renames is None or not all(
            isinstance(old, str) and isinstance(new, str) and old.strip() and new.strip() and '"' not in new
            for old, new in renames
        ):
            raise ValueError(f"must map header names to new names, not {value!r}")
        return tuple((old.strip(), new.strip()) for old, new in renames)

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(f"must be one character, not {value!r}")
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str) -> str:
        if "%" not in value:
            raise ValueError(f"must be a strptime format (e.g. %d-%m-%Y %H:%M), not {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"{value!r} is not a known encoding") from None
        return value

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        return _known_time_zone(value)


# usm.yaml `tools:`: the column roles a declared tool's export may name (docs/landing.md, declared tools).
TOOL_COLUMN_ROLES = (
    "id", "updated", "opened", "responded", "resolved", "closed", "reopened", "reopen_count",
    "state", "priority", "category", "subcategory", "client", "requester",
)
# Names a declared tool cannot take: the shipped systems and the raw layer's own schemas.
RESERVED_SYSTEMS = frozenset(
    {"connectwise", "servicenow", "jira", "ninjaone", "reviews", "mappings", "quarantine", "maintenance"}
)
def _name(value: str) -> str:
    """It becomes a schema and a folder: a plain identifier."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
        raise ValueError(f"must be a lower-case name ([a-z][a-z0-9_]*), not {value!r}")
    return value


Name = Annotated[str, AfterValidator(_name)]


def _usable_column(column) -> str:
    if not isinstance(column, str) or not column.strip() or '"' in column or not column.isprintable():
        raise ValueError(f"{column!r} is not a usable column name (empty, a double quote or a control character)")
    return column.strip()


class DeclaredTool(_Settings):
    """usm.yaml `tools:` entry: an ITSM or PSA system without a connector of its own, read from its
    CSV export through declared columns. It lands in `<landing>/<system>/<entity>/`, loads into
    `raw_<system>.<entity>` and its tickets are `<system>:<id>` in fct_tickets."""

    system: Name
    columns: dict[str, str]
    """Column role (TOOL_COLUMN_ROLES) -> the export's column name."""
    entity: Name = "tickets"
    rows: Literal["per_record", "per_update"] = "per_record"
    """per_record: one row per record (its current state); per_update: a history export, one row
    per change of a record, whose sequence of states is the record's state history."""
    csv: CsvDialect = CsvDialect()
    numbers: tuple[str, ...] = ()
    """Numeric columns: read with the dialect's decimal separator; not a number or negative is quarantined."""

    @model_validator(mode="before")
    @classmethod
    def _id_and_update_columns_come_from_columns(cls, raw):
        """The dialect's id and update columns are the declared `id` and `updated` roles."""
        if not isinstance(raw, dict):
            return raw
        csv = raw.get("csv") or {}
        if not isinstance(csv, dict):
            return raw
        for key in ("id_column", "updated_column"):
            if key in csv:
                raise ValueError(f"csv.{key} is set through columns.{key.removesuffix('_column')}")
        columns = raw.get("columns") if isinstance(raw.get("columns"), dict) else {}
        ids = {"id_column": str(columns.get("id") or "").strip() or None,
               "updated_column": str(columns.get("updated") or "").strip() or None}
        return {**raw, "csv": {**csv, **ids}}

    @field_validator("columns", mode="after")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(TOOL_COLUMN_ROLES))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; known: {list(TOOL_COLUMN_ROLES)}")
        return {role: _usable_column(column) for role, column in value.items()}

    @field_validator("numbers", mode="before")
    @classmethod
    def _numbers(cls, value):
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of column names")
        return tuple(_usable_column(column) for column in value)

    @model_validator(mode="after")
    def _complete(self) -> DeclaredTool:
        if self.system in RESERVED_SYSTEMS:
            raise ValueError(f"{self.system!r} is a shipped system or a reserved name; declare another")
        # An event log's opening is its first row's stamp, so a per_update export may leave `opened` out.
        required = ("id", "updated") if self.rows == "per_update" else ("id", "opened")
        missing = [role for role in required if role not in self.columns]
        if missing:
            raise ValueError(f"columns must name {missing} (rows: {self.rows})")
        return self

    def dbt_variable(self) -> dict[str, object]:
        return {
            "system": self.system,
            "entity": self.entity,
            "rows": self.rows,
            "date_format": self.csv.date_format,
            "time_zone": self.csv.time_zone,
            "columns": dict(self.columns),
        }


NonNegative = Annotated[float, Field(ge=0)]


class AlertsConfig(_Settings):
    """usm.yaml `alerts`: when the `usm_alerts` sensor posts to the webhook (docs/configuration.md)."""

    webhook_url_env: Annotated[str, Field(min_length=1)] = "USM_ALERT_WEBHOOK_URL"
    """The environment variable that holds the webhook's URL: the URL is a secret, never in usm.yaml."""
    amount_at_risk_threshold: NonNegative = 5000
    """Post when the amount at risk of open reconciliation exceptions rises above this."""
    sla_at_risk_threshold: Annotated[int, Field(ge=0)] = 10
    """Post when the running SLA clocks at risk (`marts.ticket_sla.is_at_risk`) rise above this many."""
    dagster_url: Annotated[str, Field(min_length=1)] = "http://127.0.0.1:3333"
    """Where the site's Dagster UI is reached: every alert links to its run there."""
    instance_name: Annotated[str, Field(min_length=1)] = "usm"
    """The name an alert gives this installation (a site running several tells them apart)."""

    @field_validator("amount_at_risk_threshold", mode="before")
    @classmethod
    def _a_number(cls, value):
        # strict floats refuse 5000 written without a decimal point; a YAML boolean is still refused
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Retention(_Settings):
    raw_days: Annotated[int, Field(ge=0)] | None = None
    """Superseded raw versions and quarantined text older than this many days (before the newest
    extract date) are removed after each run; None keeps everything."""


# The first daily partition unless usm.yaml says `extracts_from:` (a history export may start earlier).
DEFAULT_EXTRACTS_FROM = date(2016, 1, 1)


class SiteConfig(_Settings):
    time_zone: TimeZone = "UTC"
    """The time zone the schedules run in."""
    extracts_from: date = DEFAULT_EXTRACTS_FROM
    """The first extract date the Dagster partitions hold; a landing file dated before it is refused."""
    currency: str = "USD"
    """The ISO 4217 code of the site's money (invoices, rates): shown with every amount in packets and alerts."""
    csv: dict[str, CsvDialect] = {}
    """Per system: the dialect of its CSV exports."""
    dbt_vars: dict[str, object] = {}
    """Site settings the dbt models read (`vars:` in dbt_project.yml lists them with defaults),
    e.g. which Jira custom field holds the request type."""
    retention: Retention = Retention()
    alerts: AlertsConfig = AlertsConfig()
    tools: tuple[DeclaredTool, ...] = ()
    """Systems read through a declared CSV mapping (docs/landing.md, declared tools)."""

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        return _known_time_zone(value)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"must be an ISO 4217 code in capitals (USD, EUR, GBP), not {value!r}")
        return value

    @field_validator("extracts_from", mode="before")
    @classmethod
    def _a_date(cls, value):
        """A date, written 2010-01-01 (YAML reads it as a date; quoted, as text)."""
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"must be a date (YYYY-MM-DD), not {value!r}") from None

    @field_validator("tools", mode="before")
    @classmethod
    def _a_list(cls, value):
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of declared tools")
        return tuple(value)

    @model_validator(mode="after")
    def _each_tool_once(self) -> SiteConfig:
        systems = [tool.system for tool in self.tools]
        twice = sorted({system for system in systems if systems.count(system) > 1})
        if twice:
            raise ValueError(f"tools {twice[0]}: declared twice")
        return self

    @property
    def raw_retention_days(self) -> int | None:
        return self.retention.raw_days

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
            raise SettingsError(f"USM_CONFIG names {path}, which does not exist")
        return SiteConfig()
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SettingsError(f"{path}:{where} is not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw or {}, dict):
        raise SettingsError(f"{path}: must be a mapping of settings ({', '.join(SiteConfig.model_fields)})")
    try:
        return SiteConfig.model_validate(raw or {})
    except ValidationError as invalid:
        raise SettingsError(f"{path}: {_first_problem(invalid)}") from None


def _first_problem(invalid: ValidationError) -> str:
    """The first error, as a person reads it: the dotted key, what is wrong, what it could be."""
    error = invalid.errors()[0]
    # pydantic adds the validator or union member it tried to the location: not a key of the file
    location = [part for part in error["loc"] if not _validator_tag(part)]
    key = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in location).replace(".[", "[")
    if error["type"] == "extra_forbidden":
        known = _keys_at(location[:-1])
        close = difflib.get_close_matches(str(location[-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        if "url" in str(location[-1]) and location[:1] == ["alerts"]:
            hint += " (the URL is a secret: set it in the environment variable named by alerts.webhook_url_env)"
        return f"unknown key {key}{hint} (known here: {', '.join(known)})"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] != "value_error" and isinstance(error.get("input"), str | int | float | bool | date):
        message += f", not {error['input']!r}"
    return f"{key}: {message}" if key else message


def _validator_tag(part) -> bool:
    return isinstance(part, str) and (part.startswith("function-") or "[" in part or part in {"str", "int", "float"})


def _keys_at(location: list) -> list[str]:
    """The keys usm.yaml allows at a location, by walking the models' field types."""
    model: object = SiteConfig
    for part in location:
        if isinstance(model, type) and issubclass(model, BaseModel):
            model = model.model_fields[part].annotation if part in model.model_fields else None
        elif typing.get_origin(model) in (dict, tuple):
            model = typing.get_args(model)[-1] if typing.get_origin(model) is dict else typing.get_args(model)[0]
        while typing.get_origin(model) in (typing.Union, type(int | None)):
            model = next(arg for arg in typing.get_args(model) if arg is not type(None))
        while typing.get_origin(model) is Annotated:
            model = typing.get_args(model)[0]
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []

"""The source entities USM reads: where each lands and how to read its id and update stamp.

One entry per raw table `raw_<system>.<entity>`. The loader, the ingestion assets and the
raw checks are all built from this list, so a new entity is one line here (plus its dbt source).
A site's declared tools (usm.yaml `tools:`) add one entry each at run time: `dated_entities()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines import settings

# How each vendor writes its update stamp. Values are DuckDB SQL templates over `{v}`
# (a VARCHAR), returning a UTC TIMESTAMP or NULL when the text cannot be parsed.
STAMP_PARSERS = {
    # ConnectWise: ISO 8601 with Z (or an offset).
    "iso8601": "(try_cast({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')",
    # ServiceNow Table API: "YYYY-MM-DD HH:MM:SS", UTC.
    "servicenow": "try_strptime({v}, '%Y-%m-%d %H:%M:%S')",
    # Jira: 2026-01-05T14:22:10.000+0000.
    "jira": "(try_strptime({v}, '%Y-%m-%dT%H:%M:%S.%g%z') AT TIME ZONE 'UTC')",
    # NinjaOne: epoch seconds, fractional (NULL beyond TIMESTAMP's range, e.g. 1e300, nan, inf).
    "epoch": "(try(to_timestamp(try_cast({v} AS DOUBLE))) AT TIME ZONE 'UTC')",
}


@dataclass(frozen=True)
class SourceEntity:
    system: str
    entity: str
    id_field: str
    """JSON path of the vendor id, relative to the record."""
    stamp_field: str | None
    """JSON path of the vendor's update stamp; None for entities that carry none."""
    stamp_format: str = "iso8601"
    non_negative: tuple[str, ...] = ()
    """Numeric fields (JSON paths) that, when present and read as numbers, must not be negative
    (`negative_hours`); a number written as text, as in a CSV, counts."""
    numbers_must_read: bool = False
    """A `non_negative` field that is no number quarantines its record (`not_a_number`): for a
    declared tool, whose number columns no model reads. A vendor's hours are read by staging, which
    nulls and reports one it cannot read (dbt_project/macros/read_fields.sql)."""
    ordered: tuple[tuple[str, str], ...] = ()
    """(start, end) stamp fields (JSON paths, in the entity's stamp format): a record whose end is
    before its start is quarantined (`end_before_start`); a pair with a stamp missing, unreadable or
    after the extract date is not checked."""
    opened_field: str | None = None
    """JSON path of the record's opening stamp (where every SLA clock starts), in the entity's stamp
    format: a key field like the update stamp, so one that cannot be read or lies after the extract
    date quarantines the record (`unparseable_stamp`, `future_stamp`). Missing is allowed."""
    wrapped_values: bool = False
    """A field may come as `{"value": ..., "display_value": ...}` (ServiceNow's Table API with
    `sysparm_display_value=all`): the loader reads the id, the stamp and the checked fields from `value`."""

    @property
    def schema(self) -> str:
        return f"raw_{self.system}"

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.entity}"

    @property
    def folder(self) -> str:
        return f"{self.system}/{self.entity}"


def _cw(entity: str, **kw) -> SourceEntity:
    return SourceEntity("connectwise", entity, "$.id", "$._info.lastUpdated", "iso8601", **kw)


def _sn(entity: str, stamp: str = "$.sys_updated_on", opened: str | None = None) -> SourceEntity:
    return SourceEntity("servicenow", entity, "$.sys_id", stamp, "servicenow", opened_field=opened, wrapped_values=True)


SOURCE_ENTITIES: tuple[SourceEntity, ...] = (
    _cw("companies"),
    _cw("agreements"),
    _cw("slas"),
    _cw("sla_priorities"),  # service/SLAs/{id}/priorities: each SLA's targets per priority
    _cw("calendars"),
    _cw("holidays"),
    _cw("tickets", opened_field="$._info.dateEntered"),
    _cw("time_entries", non_negative=("$.actualHours", "$.hoursBilled"), ordered=(("$.timeStart", "$.timeEnd"),)),
    _cw("invoices"),
    _sn("core_company"),
    _sn("cmdb_ci_computer"),
    _sn("incident", opened="$.opened_at"),
    _sn("sc_req_item", opened="$.opened_at"),
    _sn("sys_audit", stamp="$.sys_created_on"),  # immutable: its creation is its stamp
    _sn("task_sla"),
    SourceEntity("jira", "issues", "$.id", "$.fields.updated", "jira", opened_field="$.fields.created"),
    SourceEntity("ninjaone", "organizations", "$.id", None),
    SourceEntity("ninjaone", "devices", "$.id", "$.lastContact", "epoch"),
    SourceEntity("ninjaone", "alerts", "$.uid", "$.updateTime", "epoch"),
    SourceEntity("ninjaone", "activities", "$.id", "$.activityTime", "epoch"),
)

# Analysts' decisions (reviews/decisions/<date>.csv) load like any dated extract.
REVIEW_DECISIONS = SourceEntity("reviews", "decisions", "$.exception_id", "$.decided_at", "iso8601")

DATED_ENTITIES: tuple[SourceEntity, ...] = (*SOURCE_ENTITIES, REVIEW_DECISIONS)


def _column_path(column: str) -> str:
    return f'$."{column}"'


def declared_entity(tool: settings.DeclaredTool) -> SourceEntity:
    """The raw entity of a declared tool: `raw_<system>.<entity>`, keyed by its declared columns. Its
    stamps are in the export's declared date format, else ISO 8601 (as for every CSV: loader.py)."""
    updated, opened = tool.columns.get("updated"), tool.columns.get("opened")
    return SourceEntity(
        tool.system,
        tool.entity,
        _column_path(tool.columns["id"]),
        _column_path(updated) if updated else None,
        "iso8601",
        non_negative=tuple(_column_path(column) for column in tool.numbers),
        numbers_must_read=True,
        opened_field=_column_path(opened) if opened else None,
    )


def dated_entities(site: settings.SiteConfig | None = None) -> tuple[SourceEntity, ...]:
    """Every dated entity of this site: the shipped ones, then one per declared tool (usm.yaml `tools:`)."""
    site = site or settings.site_config()
    return (*DATED_ENTITIES, *(declared_entity(tool) for tool in site.tools))

# The site's data plan: $USM_LANDING_DIR/mappings/<name>.csv -> raw_mappings.<name>,
# with the columns each must have (docs/landing.md, "Mapping files"); more columns are kept.
MAPPING_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("system", "alias", "client_id", "client_name"),
    "categories": ("system", "category", "subcategory", "canonical_category", "department"),
    "billing_codes": ("work_type", "category", "is_billable", "hourly_rate"),
    "priorities": ("system", "priority", "canonical_priority"),
    "states": ("system", "state", "clock"),
    "sla_policies": (
        "policy", "system", "department", "client_id", "priority", "metric", "target_minutes", "calendar",
    ),
    "calendars": ("calendar", "time_zone", "weekday", "start_time", "end_time"),
    "holidays": ("calendar", "date", "name", "start_time", "end_time"),
    "asset_naming": ("rule", "value"),
    # a ServiceNow catalog item's name by sys_id, for exports without display values
    "catalog_items": ("sys_id", "name"),
}

QUARANTINE_TABLE = "raw_quarantine.quarantined_records"
REPLACED_DATES_TABLE = "raw_loads.replaced_dates"
"""Per raw table and extract date, when a load last replaced it, rows or none: how incremental
staging finds a date a re-delivered file emptied (dbt_project/macros/current_records.sql)."""

"""Where things are and the site's settings, read when asked (never at import time).

Paths come from the environment variables of RUNNING.md, with defaults under `data/`.
Site settings come from `$USM_CONFIG` (default `usm.yaml` when present): see README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    null_marker: str = ""
    delimiter: str = ","
    id_column: str | None = None
    """Overrides the catalog's id field (a history export may carry `number`, not `sys_id`)."""
    updated_column: str | None = None
    """Overrides the catalog's update stamp field."""


@dataclass(frozen=True)
class AlertsConfig:
    """usm.yaml `alerts`: when the `usm_alerts` sensor posts to the webhook (README, "Alerts and freshness")."""

    webhook_url_env: str = "USM_ALERT_WEBHOOK_URL"
    """The environment variable that holds the webhook's URL: the URL is a secret, never in usm.yaml."""
    amount_at_risk_threshold: float = 5000
    """Post when the amount at risk of open reconciliation exceptions rises above this."""
    sla_at_risk_threshold: int = 10
    """Post when the running SLA clocks at risk (`marts.ticket_sla.is_at_risk`) rise above this many."""


@dataclass(frozen=True)
class SiteConfig:
    time_zone: str = "UTC"
    csv: dict[str, CsvDialect] = field(default_factory=dict)
    """Per system: the dialect of its CSV exports."""
    dbt_vars: dict[str, object] = field(default_factory=dict)
    """Site settings the dbt models read (`vars:` in dbt_project.yml lists them with defaults),
    e.g. which Jira custom field holds the request type."""
    raw_retention_days: int | None = None
    """Superseded raw versions and quarantined text older than this many days (before the newest
    extract date) are removed after each run; None keeps everything."""
    alerts: AlertsConfig = field(default_factory=AlertsConfig)

    def csv_dialect(self, system: str) -> CsvDialect:
        return self.csv.get(system, CsvDialect())

    def dbt_variables(self) -> dict[str, object]:
        """The vars for `dbt build`: the ServiceNow CSV stamp format comes from the one place
        it is configured (`csv.servicenow.date_format`), then any explicit dbt_vars."""
        derived = {}
        if "servicenow" in self.csv:
            derived["servicenow_csv_stamp_format"] = self.csv["servicenow"].date_format
        return {**derived, **self.dbt_vars}


def site_config() -> SiteConfig:
    configured = os.environ.get("USM_CONFIG")
    path = Path(configured) if configured else Path("usm.yaml")
    if not path.exists():
        if configured:
            raise FileNotFoundError(f"USM_CONFIG names {path}, which does not exist")
        return SiteConfig()
    raw = yaml.safe_load(path.read_text()) or {}
    return SiteConfig(
        time_zone=raw.get("time_zone", "UTC"),
        csv={system: CsvDialect(**dialect) for system, dialect in (raw.get("csv") or {}).items()},
        dbt_vars=raw.get("dbt_vars") or {},
        raw_retention_days=_retention_days(path, (raw.get("retention") or {}).get("raw_days")),
        alerts=_alerts(path, raw.get("alerts") or {}),
    )


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

"""Pandera models of the marts: the contract of docs/marts.md, checked on every build (warnings)."""

from __future__ import annotations

import pandera.pandas as pa

from pipelines import settings
from pipelines.lib.closure_sync import ACTIONS as SYNC_ACTIONS
from pipelines.lib.closure_sync import REASONS as SYNC_REASONS

# The ticket systems: the shipped ones and the site's declared tools (usm.yaml `tools:`).
SYSTEMS = ["connectwise", "servicenow", "jira", *(tool.system for tool in settings.site_config().tools)]
# A vendor id may hold any printable characters, spaces included (`helpdesk:Case 1018`).
TICKET_ID = rf"^({'|'.join(SYSTEMS)}):[^\x00-\x1f\x7f]*\S$"
PRIORITIES = ["P1", "P2", "P3", "P4", "P5"]
STATUS_CATEGORIES = ["open", "on_hold", "resolved", "closed", "canceled"]
EXCEPTION_REASONS = [
    "unmapped_client",
    "nonconforming_asset_name",
    "unmapped_category",
    "unknown_billing_code",
    "unknown_priority",
    "unknown_exception_id",
]
RECON_STATUSES = [
    "billed",
    "partially_billed",
    "time_not_invoiced",
    "missing_time",
    "non_billable",
    "credited",
    "excluded",
]
RECON_EXCEPTION_TYPES = [
    "partially_billed",
    "time_not_invoiced",
    "missing_time",
    "non_billable",
    "credited",
    "is_billing_code_mismatch",
    "is_hours_variance",
    "is_double_billed",
    "orphan_time_entry",
    "orphan_invoice",
]
REVIEW_DECISIONS = ["billed", "credited", "excluded", "reopened"]


class FctTickets(pa.DataFrameModel):
    ticket_id: str = pa.Field(unique=True, str_matches=TICKET_ID)
    source_system: str = pa.Field(isin=SYSTEMS)
    client_id: str = pa.Field(nullable=True)
    priority: str = pa.Field(isin=PRIORITIES, nullable=True)
    status_category: str = pa.Field(isin=STATUS_CATEGORIES)
    work_item_id: str = pa.Field(str_startswith="wi:")
    # Pseudonymous, never a vendor's person id (README, "Privacy").
    requester_key: str = pa.Field(nullable=True, str_matches=r"^person:[0-9a-f]{16}$")

    @pa.dataframe_check(name="resolved_at is not before opened_at")
    def resolved_after_opened(cls, df):
        return df["resolved_at"].isna() | (df["resolved_at"] >= df["opened_at"])

    class Config:
        name = "marts.fct_tickets"
        coerce = True


class DimClients(pa.DataFrameModel):
    client_id: str = pa.Field(unique=True)
    client_name: str

    class Config:
        name = "marts.dim_clients"


class DimAssets(pa.DataFrameModel):
    asset_id: str = pa.Field(unique=True)
    name_conforms: bool

    class Config:
        name = "marts.dim_assets"
        coerce = True


class NormalizationExceptions(pa.DataFrameModel):
    system: str
    entity: str
    field: str
    raw_value: str = pa.Field(nullable=True)
    reason: str = pa.Field(isin=EXCEPTION_REASONS)
    occurrences: int = pa.Field(ge=1)

    class Config:
        name = "marts.normalization_exceptions"
        coerce = True
        unique = ["system", "entity", "field", "raw_value", "reason"]


class TicketReconciliation(pa.DataFrameModel):
    work_item_id: str = pa.Field(unique=True, str_startswith="wi:")
    client_id: str = pa.Field(nullable=True)
    time_entry_count: int = pa.Field(ge=0)
    actual_hours: float = pa.Field(ge=0)
    billable_hours: float = pa.Field(ge=0)
    invoiced_hours: float = pa.Field(ge=0)
    invoiced_amount: float = pa.Field(ge=0)
    credited_amount: float = pa.Field(ge=0)
    recon_status: str = pa.Field(isin=RECON_STATUSES)
    is_billing_code_mismatch: bool
    is_hours_variance: bool
    is_double_billed: bool
    review_decision: str = pa.Field(isin=REVIEW_DECISIONS, nullable=True)

    @pa.dataframe_check(name="missing_time has no time entry")
    def missing_time_has_no_entries(cls, df):
        return (df["recon_status"] != "missing_time") | (df["time_entry_count"] == 0)

    class Config:
        name = "marts.ticket_reconciliation"
        coerce = True


class ReconExceptions(pa.DataFrameModel):
    exception_id: str = pa.Field(unique=True, str_matches=r"^[0-9a-f]{32}$")
    exception_type: str = pa.Field(isin=RECON_EXCEPTION_TYPES)
    entity_type: str = pa.Field(isin=["work_item", "time_entry", "invoice"])
    entity_id: str
    client_id: str = pa.Field(nullable=True)
    amount_at_risk: float
    review_status: str = pa.Field(isin=["open", "billed", "credited", "excluded"])

    class Config:
        name = "marts.recon_exceptions"
        coerce = True
        unique = ["exception_type", "entity_type", "entity_id"]


SLA_METRICS = ["response", "resolution", "approval"]
AGE_BUCKETS = ["0-2d", "3-7d", "8-30d", "31d+"]


class TicketSla(pa.DataFrameModel):
    ticket_id: str = pa.Field(str_matches=TICKET_ID)
    sla_metric: str = pa.Field(isin=SLA_METRICS)
    priority: str = pa.Field(isin=PRIORITIES, nullable=True)
    target_minutes: int = pa.Field(gt=0)
    elapsed_business_minutes: float = pa.Field(ge=0)
    paused_business_minutes: float = pa.Field(ge=0)
    breach_minutes: float = pa.Field(ge=0)
    is_breached: bool
    is_at_risk: bool

    @pa.dataframe_check(name="a breach is past the target")
    def breach_past_target(cls, df):
        return df["is_breached"] == (df["elapsed_business_minutes"] > df["target_minutes"])

    @pa.dataframe_check(name="only running clocks are at risk")
    def at_risk_only_running(cls, df):
        return ~df["is_at_risk"] | df["stopped_at"].isna()

    class Config:
        name = "marts.ticket_sla"
        coerce = True
        unique = ["ticket_id", "sla_metric"]


class SlaAttainmentMonthly(pa.DataFrameModel):
    sla_metric: str = pa.Field(isin=SLA_METRICS)
    tickets: int = pa.Field(gt=0)
    met: int = pa.Field(ge=0)
    breached: int = pa.Field(ge=0)
    attainment_pct: float = pa.Field(ge=0, le=100)

    @pa.dataframe_check(name="met and breached add up to tickets")
    def adds_up(cls, df):
        return df["met"] + df["breached"] == df["tickets"]

    class Config:
        name = "marts.sla_attainment_monthly"
        coerce = True


class BacklogDaily(pa.DataFrameModel):
    age_bucket: str = pa.Field(isin=AGE_BUCKETS)
    open_tickets: int = pa.Field(gt=0)

    class Config:
        name = "marts.backlog_daily"
        coerce = True


class SlaParity(pa.DataFrameModel):
    ticket_id: str
    sla_metric: str = pa.Field(isin=[*SLA_METRICS, "all"])
    vendor_source: str
    is_agreed: bool

    @pa.dataframe_check(name="a disagreement has a reason")
    def disagreement_has_reason(cls, df):
        return df["is_agreed"] | df["reason"].notna()

    class Config:
        name = "marts.sla_parity"
        coerce = True


class SyncActions(pa.DataFrameModel):
    """Closure sync's plan; SYNC_ACTION_COLUMNS in pipelines/lib/closure_sync.py are its contract."""

    action_id: str = pa.Field(unique=True)
    work_item_id: str = pa.Field(unique=True, str_startswith="wi:")
    action: str = pa.Field(isin=sorted(SYNC_ACTIONS))
    reason: str = pa.Field(isin=sorted(SYNC_REASONS))
    target_ticket_id: str = pa.Field(str_matches=r"^(connectwise|servicenow):\S+$")
    target_record_id: str
    source_ticket_id: str = pa.Field(str_matches=r"^(connectwise|servicenow|alert):\S+$")

    @pa.dataframe_check(name="action_id is <action>:<target_ticket_id>")
    def stable_action_id(cls, df):
        return df["action_id"] == df["action"] + ":" + df["target_ticket_id"]

    @pa.dataframe_check(name="an incident is resolved only because its PSA ticket is closed")
    def action_fits_reason(cls, df):
        return (df["action"] == "resolve_itsm_incident") == (df["reason"] == "psa_closed_itsm_open")

    class Config:
        name = "marts.sync_actions"
        coerce = True


# Each mart and the model it is checked against.
MART_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "fct_tickets": FctTickets,
    "dim_clients": DimClients,
    "dim_assets": DimAssets,
    "normalization_exceptions": NormalizationExceptions,
    "ticket_reconciliation": TicketReconciliation,
    "recon_exceptions": ReconExceptions,
    "ticket_sla": TicketSla,
    "sla_attainment_monthly": SlaAttainmentMonthly,
    "backlog_daily": BacklogDaily,
    "sla_parity": SlaParity,
    "sync_actions": SyncActions,
}

"""Pandera models of the marts: the contract of MARTS.md, checked on every build (warnings)."""

from __future__ import annotations

import pandera.pandas as pa

SYSTEMS = ["connectwise", "servicenow", "jira"]
PRIORITIES = ["P1", "P2", "P3", "P4"]
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
    ticket_id: str = pa.Field(unique=True, str_matches=r"^(connectwise|servicenow|jira):\S+$")
    source_system: str = pa.Field(isin=SYSTEMS)
    client_id: str = pa.Field(nullable=True)
    priority: str = pa.Field(isin=PRIORITIES, nullable=True)
    status_category: str = pa.Field(isin=STATUS_CATEGORIES)
    work_item_id: str = pa.Field(str_startswith="wi:")

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


# Each mart and the model it is checked against.
MART_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "fct_tickets": FctTickets,
    "dim_clients": DimClients,
    "dim_assets": DimAssets,
    "normalization_exceptions": NormalizationExceptions,
    "ticket_reconciliation": TicketReconciliation,
    "recon_exceptions": ReconExceptions,
}

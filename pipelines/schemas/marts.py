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
]


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


# Each mart and the model it is checked against.
MART_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "fct_tickets": FctTickets,
    "dim_clients": DimClients,
    "dim_assets": DimAssets,
    "normalization_exceptions": NormalizationExceptions,
}

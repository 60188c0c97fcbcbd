"""Pandera models of the raw layer: what every `raw_<system>.<entity>` table promises."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipelines.sources.catalog import SourceEntity

# What a vendor id looks like in each system; a raw row with another shape was misread.
ID_PATTERNS = {
    "connectwise": r"^[0-9]+$",
    # a sys_id from the Table API, or a task number from a history export keyed by `number`
    "servicenow": r"^([0-9a-f]{32}|[A-Z]+[0-9]+)$",
    "jira": r"^[0-9]+$",
    "ninjaone": r"^[0-9A-Za-z-]+$",
    "reviews": r"^\S+$",
}
# A declared tool's id (usm.yaml `tools:`): any text without blanks at its ends (the loader trims it).
DECLARED_ID_PATTERN = r"^\S(.*\S)?$"

# The columns a raw check reads: everything but the (large) vendor record.
RAW_CHECK_COLUMNS = ("record_id", "updated_at", "_source_file", "_record_position", "_extract_date", "_record_hash")


def _stamp_not_after_extract(df: pd.DataFrame) -> pd.Series:
    return df["updated_at"].isna() | (df["updated_at"] < df["_extract_date"] + pd.Timedelta(days=1))


def raw_id_shape_schema(entity: SourceEntity) -> pa.DataFrameSchema:
    """Every id has its system's usual shape. A warning, never blocking: an odd id (a sys_id that is
    not 32 hex characters, a ticket number with a space) is still that record's key."""
    return pa.DataFrameSchema(
        {"record_id": pa.Column(str, pa.Check.str_matches(ID_PATTERNS.get(entity.system, DECLARED_ID_PATTERN)))},
        name=f"{entity.table} ids",
        coerce=True,
    )


def raw_table_schema(entity: SourceEntity) -> pa.DataFrameSchema:
    """The lineage columns are complete and well-formed; each file position holds one record.
    Blocking: a broken one means the load itself went wrong."""
    return pa.DataFrameSchema(
        {
            "record_id": pa.Column(str),
            "updated_at": pa.Column("datetime64[us]", nullable=True),
            "_source_file": pa.Column(str, pa.Check.str_startswith(f"{entity.folder}/")),
            "_record_position": pa.Column(int, pa.Check.ge(1)),
            "_extract_date": pa.Column("datetime64[us]"),
            "_record_hash": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{32}$")),
        },
        checks=[pa.Check(_stamp_not_after_extract, name="update stamp not after its extract date")],
        unique=["_source_file", "_record_position"],
        name=entity.table,
        coerce=True,
    )

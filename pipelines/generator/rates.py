"""How often each defect is injected: one frozen dataclass, every rate with its default.

A rate is a probability per eligible candidate (what a candidate is, is said per rate),
except `unmapped_client` and `nonconforming_asset_name`, which are exact shares of their
candidates (at least one when the rate is above zero), so even a small world has them.
`usm generate --rate NAME=VALUE` overrides one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace


def _rate(default: float, doc: str) -> float:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Rates:
    # normalization
    unmapped_client: float = _rate(
        0.06,
        "share of (client, system) pairs whose alias is left out of clients.csv "
        "(at most one system per client)",
    )
    nonconforming_asset_name: float = _rate(
        0.15,
        "share of devices known to both NinjaOne and the CMDB whose name breaks the standard in one of them",
    )
    unmapped_category: float = _rate(
        0.06,
        "per ticket that no billing depends on (ServiceNow incidents without a PSA mirror, requested "
        "items, Jira issues, ConnectWise tickets still open at the end): a category the mapping lacks",
    )
    unknown_priority: float = _rate(0.02, "per ticket: a priority the mapping lacks")
    unknown_billing_code: float = _rate(
        0.15,
        "per time entry that no reconciled work item depends on (internal charge-code time, time on "
        "work items still open at the end): a work type not in billing_codes.csv",
    )
    # linking
    duplicate_ticket: float = _rate(
        0.05,
        "per work item with a PSA ticket and a ServiceNow incident: a second PSA ticket mirroring the "
        "incident, or (alert-born) a second incident with the alert's correlation_id",
    )
    # closure: the systems of one work item disagree at the end (sync.csv)
    closure_drift: float = _rate(
        0.03,
        "per resolved work item with one PSA ticket, at most one ServiceNow incident and an incident or "
        "an alert, no other work-item defect and no late correction: one ticket misses the resolution "
        "(the PSA ticket while the incident resolves or the alert resets, or the incident while the PSA "
        "ticket closes)",
    )
    # billing: eligible are resolved work items with billable time, resolved at least 8 days
    # (for credits 14 days) before the end; at most one of WORK_ITEM_DEFECTS per work item
    missing_time: float = _rate(0.04, "resolved billable work with no time entry at all")
    time_not_invoiced: float = _rate(0.04, "billable time never invoiced")
    partially_billed: float = _rate(0.04, "some of the billable time invoiced, the rest never")
    credit_full: float = _rate(0.02, "invoiced on its own invoice, then credited in full")
    credit_partial: float = _rate(0.02, "invoiced on its own invoice, then part of it credited")
    hours_variance: float = _rate(0.03, "one entry bills 1.5 to 3 hours more than its actual hours")
    billing_code_mismatch: float = _rate(0.04, "one entry's work type bills another category")
    double_billing: float = _rate(
        0.03,
        "a duplicate PSA ticket (mirroring the work item's incident) whose copy of the time is invoiced too",
    )
    rejected_time: float = _rate(
        0.03, "an extra Rejected (never invoiced) entry on otherwise billed work: still `billed`"
    )
    orphan_time_entry: float = _rate(
        0.01, "per ticket time entry: an extra entry charged to a ticket no system has"
    )
    orphan_invoice: float = _rate(
        0.03, "per client and invoice run: a Standard invoice no time entry references"
    )
    # clocks and versions
    on_hold: float = _rate(0.2, "per work item: paused (on hold) once while worked")
    reopened: float = _rate(0.04, "per resolved work item: reopened, worked again and resolved again")
    late_correction: float = _rate(
        0.04,
        "per closed ConnectWise ticket or ServiceNow incident: filed under an unmapped category, "
        "corrected in a later file after closing",
    )
    stale_resend: float = _rate(0.01, "per ticket version: re-sent unchanged in a later day's file")
    malformed_record: float = _rate(
        0.004, "per record of an eligible file: an extra damaged copy inserted after it (quarantined)"
    )
    missing_company: float = _rate(
        0.02,
        "per ConnectWise ticket: written without its company, as are its time entries (a missing_client "
        "exception each; its work item's money is the unassigned client's unless another ticket names one)",
    )
    odd_id: float = _rate(
        0.01,
        "per ServiceNow audit entry: its sys_id written as a dashed upper-case GUID, not 32 hex "
        "characters (it loads; the raw id-shape check warns)",
    )
    unreadable_value: float = _rate(
        0.02,
        "per record of an eligible entity: one of its values that nothing else reads is garbage or a "
        "stamp decades ahead, in every version written (nulled and reported, the record loads)",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0 <= value <= 1:
                raise ValueError(f"rate {f.name} must be between 0 and 1, not {value}")
        if sum(getattr(self, name) for name in WORK_ITEM_DEFECTS) > 1:
            raise ValueError(f"the rates of {', '.join(WORK_ITEM_DEFECTS)} add up to more than 1")

    def with_overrides(self, pairs: list[str]) -> Rates:
        """This set with `NAME=VALUE` pairs applied."""
        known = {f.name for f in fields(self)}
        changes = {}
        for pair in pairs:
            name, _, value = pair.partition("=")
            if name not in known:
                raise ValueError(f"unknown rate {name!r}; rates are: {', '.join(sorted(known))}")
            changes[name] = float(value)
        return replace(self, **changes)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


WORK_ITEM_DEFECTS = (
    "duplicate_ticket",
    "double_billing",
    "missing_time",
    "time_not_invoiced",
    "partially_billed",
    "credit_full",
    "credit_partial",
    "hours_variance",
    "billing_code_mismatch",
    "rejected_time",
)
"""A work item gets at most one of these (drawn in this order), so no two of them collide."""

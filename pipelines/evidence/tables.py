"""The tables behind a packet: one query per table over the marts, for one month and one
client (or every client, for the organisation's packet). Values are bound as parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

# A client's packet reads only that client's rows: this predicate is in every query.
_SCOPE = "(cast($client as varchar) is null or {alias}client_id = $client)"
_IN_MONTH = "{column} >= $month and {column} < $month + interval 1 month"


def _scope(alias: str = "") -> str:
    return _SCOPE.format(alias=f"{alias}." if alias else "")


@dataclass(frozen=True)
class PacketTable:
    name: str
    title: str
    sql: str
    amounts: tuple[str, ...] = ()
    """The columns that are money: the page writes them with the site's currency."""


TABLES = (
    PacketTable(
        "sla_attainment",
        "SLA attainment by metric and priority",
        f"""
        select sla_metric, priority,
            cast(sum(tickets) as bigint) as tickets,
            cast(sum(met) as bigint) as met,
            cast(sum(breached) as bigint) as breached,
            round(100.0 * sum(met) / sum(tickets), 1) as attainment_pct
        from marts.sla_attainment_monthly
        where month = $month and {_scope()}
        group by all
        order by sla_metric, priority nulls last
        """,
    ),
    PacketTable(
        "sla_trend",
        "SLA attainment over the last four months",
        f"""
        select month, sla_metric,
            cast(sum(tickets) as bigint) as tickets,
            cast(sum(met) as bigint) as met,
            cast(sum(breached) as bigint) as breached,
            round(100.0 * sum(met) / sum(tickets), 1) as attainment_pct
        from marts.sla_attainment_monthly
        where month between cast($month - interval 3 month as date) and $month and {_scope()}
        group by all
        order by month, sla_metric
        """,
    ),
    PacketTable(
        "sla_breaches",
        "SLA breaches this month",
        f"""
        select sla.ticket_id, sla.department, tickets.category, sla.priority, sla.sla_metric,
            sla.stopped_at, round(sla.breach_minutes, 1) as breach_minutes
        from marts.ticket_sla as sla
        left join marts.fct_tickets as tickets
            on sla.ticket_id = tickets.ticket_id
        where sla.is_met = false and {_IN_MONTH.format(column="sla.stopped_at")} and {_scope("sla")}
        order by sla.priority nulls last, sla.sla_metric, sla.ticket_id
        """,
    ),
    PacketTable(
        "backlog_aging",
        "Open tickets at the end of the month, by age",
        f"""
        with last_snapshot as (
            select max(snapshot_date) as snapshot_date
            from marts.backlog_daily
            where snapshot_date < $month + interval 1 month
        )
        select backlog.snapshot_date, backlog.department, backlog.age_bucket,
            cast(sum(backlog.open_tickets) as bigint) as open_tickets
        from marts.backlog_daily as backlog
        inner join last_snapshot
            on backlog.snapshot_date = last_snapshot.snapshot_date
        where backlog.snapshot_date >= $month and {_scope("backlog")}
        group by backlog.snapshot_date, backlog.department, backlog.age_bucket
        order by backlog.department,
            list_position(['0-2d', '3-7d', '8-30d', '31d+'], backlog.age_bucket)
        """,
    ),
    PacketTable(
        "reconciliation_exceptions",
        "Reconciliation exceptions found this month",
        f"""
        select exception_type,
            count(*) as exceptions,
            count(*) filter (where review_status = 'open') as open_exceptions,
            cast(coalesce(sum(amount_at_risk) filter (where review_status = 'open'), 0) as decimal(18, 2))
                as amount_at_risk
        from marts.recon_exceptions
        where {_IN_MONTH.format(column="detected_on")} and {_scope()}
        group by all
        order by amount_at_risk desc, exception_type
        """,
        amounts=("amount_at_risk",),
    ),
    PacketTable(
        "revenue_vs_effort",
        "Revenue versus effort by category",
        f"""
        select category,
            round(sum(hours_worked), 2) as hours_worked,
            round(sum(billable_hours), 2) as billable_hours,
            cast(sum(invoiced_amount) as decimal(18, 2)) as invoiced_amount,
            cast(round(sum(invoiced_amount) / nullif(sum(hours_worked), 0), 2) as decimal(18, 2))
                as effective_hourly_rate
        from marts.revenue_vs_effort_monthly
        where month = $month and {_scope()}
        group by all
        order by category nulls last
        """,
        amounts=("invoiced_amount", "effective_hourly_rate"),
    ),
    PacketTable(
        "department_turnaround",
        "Requests and turnaround by department",
        f"""
        select department,
            cast(sum(requests_opened) as bigint) as requests_opened,
            cast(sum(requests_resolved) as bigint) as requests_resolved,
            round(sum(total_turnaround_hours) / nullif(sum(requests_resolved), 0), 1) as mean_turnaround_hours
        from marts.department_turnaround_monthly
        where month = $month and {_scope()}
        group by all
        order by requests_opened desc, department
        """,
    ),
    PacketTable(
        "key_actions",
        "Key actions: the open exceptions with the most at risk",
        f"""
        with actions as (
            select exception_id, exception_type, entity_type, entity_id, client_id, amount_at_risk, detected_on
            from marts.recon_exceptions
            where review_status = 'open' and detected_on < $month + interval 1 month and {_scope()}
            order by amount_at_risk desc nulls last, detected_on, exception_id
            limit 10
        ),

        -- A work item's tickets as people write them, the PSA's first: its ConnectWise ticket,
        -- else its ServiceNow number, else its Jira key. Within a system, the one that is not a
        -- duplicate.
        tickets as (
            select work_item_id, category, is_duplicate,
                case source_system
                    when 'connectwise' then 'ConnectWise #' || vendor_id
                    when 'servicenow' then 'ServiceNow ' || vendor_id
                    when 'jira' then 'Jira ' || vendor_id
                    else source_system || ' ' || vendor_id
                end as ticket,
                row_number() over (
                    partition by work_item_id
                    order by list_position(['connectwise', 'servicenow', 'jira'], source_system) nulls last,
                        is_duplicate, ticket_id
                ) as preference
            from (
                select *, substr(ticket_id, length(source_system) + 2) as vendor_id
                from marts.fct_tickets
            )
            where work_item_id in (select entity_id from actions where entity_type = 'work_item')
        ),

        work_items as (
            select work_item_id,
                any_value(ticket) filter (where preference = 1) as ticket,
                any_value(category) filter (where preference = 1) as category,
                string_agg(ticket, ', ' order by ticket) filter (where is_duplicate) as duplicates
            from tickets
            group by work_item_id
        ),

        named as (
            select actions.*, work_items.category, work_items.duplicates,
                coalesce(
                    work_items.ticket,
                    case actions.entity_type
                        when 'time_entry' then 'time entry '
                        when 'invoice' then 'invoice '
                        else ''
                    end || actions.entity_id
                ) as ticket
            from actions
            left join work_items
                on actions.entity_id = work_items.work_item_id
        )

        select ticket, category,
            case exception_type
                when 'time_not_invoiced' then 'Invoice the billable time of ' || ticket
                when 'partially_billed' then 'Invoice the rest of the billable time of ' || ticket
                when 'missing_time' then 'Have the time of ' || ticket || ' logged'
                when 'credited' then 'Confirm that the full credit on ' || ticket || ' was intended'
                when 'non_billable' then 'Check that ' || ticket || ' was right not to bill'
                when 'is_billing_code_mismatch' then 'Correct the work type on the time of ' || ticket
                when 'is_hours_variance' then 'Check the hours billed against the hours worked on ' || ticket
                when 'is_double_billed' then 'Credit the time billed twice on ' || ticket
                    || ' and merge its duplicate tickets' || coalesce(' (' || duplicates || ')', '')
                when 'orphan_time_entry' then 'Charge ' || ticket || ' to an existing ticket'
                when 'orphan_invoice' then 'Find the work behind ' || ticket || ', or void it'
                else 'Review ' || ticket
            end as action,
            amount_at_risk, detected_on, client_id, exception_id
        from named
        order by amount_at_risk desc nulls last, detected_on, exception_id
        """,
        amounts=("amount_at_risk",),
    ),
)


def gather(con: duckdb.DuckDBPyConnection, month: date, client_id: str | None) -> dict[str, pa.Table]:
    """Every table of one packet: `client_id` None is the whole organisation."""
    params = {"month": month, "client": client_id}
    return {table.name: con.sql(table.sql, params=params).to_arrow_table() for table in TABLES}


def packet_clients(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every canonical client, with its name: each gets a packet every month."""
    return con.execute("select client_id, client_name from marts.dim_clients order by client_id").fetchall()

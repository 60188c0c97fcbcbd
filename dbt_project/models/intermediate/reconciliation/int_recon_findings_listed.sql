-- Every reconciliation finding before analysts' decisions (docs/marts.md, recon_exceptions):
-- a work item whose status is not billed (non_billable only where its category bills;
-- nothing within the grace period for uninvoiced time), each flag it raises, every orphan
-- time entry (charged to a ticket that no system has) and every orphan invoice (a Standard
-- invoice no time entry references). exception_id is an md5 of exception_type, entity_type
-- and entity_id, so the same finding keeps its id from run to run.
-- amount_at_risk: uninvoiced billable amount plus credited amount for the statuses, the
-- amount of the mismatched entries, the variance hours at their rate, the invoiced copies,
-- the orphan entry's billable amount, the orphan invoice's total. detected_on: the day the
-- finding could first be seen: the newest extract date of the evidence, not before the end
-- of the grace period for uninvoiced time.
with work_items as (
    select * from {{ ref('int_work_items_reconciled') }}
),

time_entries as (
    select * from {{ ref('int_recon_time_entries_attributed') }}
),

all_time_entries as (
    select * from {{ ref('stg_connectwise__time_entries') }}
),

invoices as (
    select * from {{ ref('stg_connectwise__invoices') }}
),

client_aliases as (
    select * from {{ ref('stg_mappings__clients') }}
    where system = 'connectwise'
),

work_item_findings as (
    select
        recon_status as exception_type,
        work_item_id,
        client_id,
        uninvoiced_amount + credited_amount as amount_at_risk,
        case
            when recon_status in ('time_not_invoiced', 'partially_billed')
                then greatest(evidence_on, cast(resolved_at as date) + cast({{ var('recon_grace_days') }} as integer))
            else evidence_on
        end as detected_on
    from work_items
    where (
            recon_status in ('partially_billed', 'time_not_invoiced', 'missing_time', 'credited')
            or (recon_status = 'non_billable' and is_category_billable)
        )
        and not (
            recon_status in ('time_not_invoiced', 'partially_billed')
            and is_within_grace
            and credited_amount = 0
        )

    union all
    select 'is_billing_code_mismatch', work_item_id, client_id, mismatch_amount, evidence_on
    from work_items
    where is_billing_code_mismatch

    union all
    select 'is_hours_variance', work_item_id, client_id, variance_amount, evidence_on
    from work_items
    where is_hours_variance

    union all
    select 'is_double_billed', work_item_id, client_id, double_billed_amount, evidence_on
    from work_items
    where is_double_billed
),

orphan_time_entries as (
    select
        'orphan_time_entry' as exception_type,
        'time_entry' as entity_type,
        time_entries.time_entry_id as entity_id,
        client_aliases.client_id,
        case when time_entries.is_billable then time_entries.amount else 0 end as amount_at_risk,
        time_entries._first_extract_date as detected_on
    from time_entries
    left join client_aliases
        on {{ match_value('time_entries.company_identifier') }} = {{ match_value('client_aliases.alias') }}
    where time_entries.work_item_id is null
),

orphan_invoices as (
    select
        'orphan_invoice' as exception_type,
        'invoice' as entity_type,
        invoices.invoice_id as entity_id,
        client_aliases.client_id,
        invoices.total as amount_at_risk,
        invoices._first_extract_date as detected_on
    from invoices
    left join client_aliases
        on {{ match_value('invoices.company_identifier') }} = {{ match_value('client_aliases.alias') }}
    where invoices.invoice_type = 'Standard'
        and not exists (
            select 1 from all_time_entries
            where all_time_entries.invoice_id = invoices.invoice_id
        )
),

findings as (
    select
        exception_type,
        'work_item' as entity_type,
        work_item_id as entity_id,
        client_id,
        amount_at_risk,
        detected_on
    from work_item_findings
    union all
    select * from orphan_time_entries
    union all
    select * from orphan_invoices
),

final as (
    select
        md5(exception_type || '|' || entity_type || '|' || entity_id) as exception_id,
        exception_type,
        entity_type,
        entity_id,
        client_id,
        cast(coalesce(amount_at_risk, 0) as decimal(18, 2)) as amount_at_risk,
        cast(detected_on as date) as detected_on
    from findings
)

select * from final

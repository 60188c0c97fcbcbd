-- The nightly exception list (docs/marts.md): every reconciliation finding with the newest
-- analyst decision on it. review_status is `open` until someone decides, then the newest
-- decision (`billed`, `credited`, `excluded`); `reopened` opens it again.
with findings as (
    select * from {{ ref('int_recon_findings_listed') }}
),

decisions as (
    select * from {{ ref('int_recon_decisions_current') }}
),

final as (
    select
        findings.exception_id,
        findings.exception_type,
        findings.entity_type,
        findings.entity_id,
        {{ client_or_unassigned('findings.client_id') }} as client_id,
        findings.amount_at_risk,
        findings.detected_on,
        case
            when decisions.decision is null or decisions.decision = 'reopened' then 'open'
            else decisions.decision
        end as review_status,
        decisions.decided_by,
        decisions.decided_at
    from findings
    left join decisions
        on findings.exception_id = decisions.exception_id
)

select * from final

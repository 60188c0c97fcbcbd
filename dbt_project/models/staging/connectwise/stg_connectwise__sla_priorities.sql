-- One row per SLA and priority: the targets inside a ConnectWise SLA's `priorities` array
-- (kept as JSON by stg_connectwise__slas).
with slas as (
    select * from {{ ref('stg_connectwise__slas') }}
),

priorities as (
    select
        sla_id,
        unnest(try_cast(priorities as json[])) as priority,
        _extract_date
    from slas
),

renamed as (
    select
        sla_id,
        priority->>'$.priority.name' as priority_name,
        try_cast(priority->>'$.respondHours' as double) as respond_hours,
        try_cast(priority->>'$.planWithin' as double) as plan_within_hours,
        try_cast(priority->>'$.resolutionHours' as double) as resolution_hours,
        _extract_date
    from priorities
)

select * from renamed

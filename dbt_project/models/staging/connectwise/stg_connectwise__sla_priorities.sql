-- One row per SLA and priority: the targets inside a ConnectWise SLA's `priorities` array
-- (kept as JSON by stg_connectwise__slas).
with slas as (
    select * from {{ ref('stg_connectwise__slas') }}
),

priorities as (
    {{ json_array_rows('slas', 'priorities', 'priority', columns=['sla_id', '_extract_date']) }}
),

renamed as (
    select
        sla_id,
        {{ json_text('priority', 'priority.name') }} as priority_name,
        {{ try_cast_text(json_text('priority', 'respondHours'), 'double') }} as respond_hours,
        {{ try_cast_text(json_text('priority', 'planWithin'), 'double') }} as plan_within_hours,
        {{ try_cast_text(json_text('priority', 'resolutionHours'), 'double') }} as resolution_hours,
        _extract_date
    from priorities
)

select * from renamed

-- sla_policies.csv: the SLAs and OLAs kept centrally.
with source as (
    select * from {{ source('raw_mappings', 'sla_policies') }}
),

renamed as (
    select
        nullif(trim(policy), '') as policy,
        lower(nullif(trim(system), '')) as system,
        nullif(trim(department), '') as department,
        nullif(trim(client_id), '') as client_id,
        upper(nullif(trim(priority), '')) as priority,
        lower(nullif(trim(metric), '')) as metric,
        {{ try_cast_text("nullif(trim(target_minutes), '')", 'integer') }} as target_minutes,
        nullif(trim(calendar), '') as calendar,
        _record_position
    from source
)

select * from renamed

-- One row per SLA and priority the SLA lists a target for: ConnectWise serves them as a
-- sub-resource of the SLA (service/SLAs/{id}/priorities), not inside it.
{{ incremental_staging_config('sla_priority_id') }}

with source as (
    {{ current_records(source('raw_connectwise', 'sla_priorities')) }}
),

renamed as (
    select
        record_id as sla_priority_id,
        {{ json_text('record', 'sla.id') }} as sla_id,
        {{ json_text('record', 'priority.name') }} as priority_name,
        {{ read_field('connectwise.sla_priorities', 'respondHours') }} as respond_hours,
        {{ read_field('connectwise.sla_priorities', 'planWithin') }} as plan_within_hours,
        {{ read_field('connectwise.sla_priorities', 'resolutionHours') }} as resolution_hours,
        {{ lineage_columns() }}
    from source
)

select * from renamed

{{ incremental_staging_config('device_id') }}

with source as (
    {{ current_records(source('raw_ninjaone', 'devices')) }}
),

renamed as (
    select
        record_id as device_id,
        {{ json_text('record', 'organizationId') }} as organization_id,
        {{ json_text('record', 'nodeClass') }} as node_class,
        {{ json_text('record', 'systemName') }} as system_name,
        {{ json_text('record', 'displayName') }} as display_name,
        {{ json_text('record', 'dnsName') }} as dns_name,
        {{ read_field('ninjaone.devices', 'created') }} as created_at,
        {{ read_field('ninjaone.devices', 'lastContact') }} as last_contact_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

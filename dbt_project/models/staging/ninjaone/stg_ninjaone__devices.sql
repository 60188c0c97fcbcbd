with source as (
    {{ current_records(source('raw_ninjaone', 'devices')) }}
),

renamed as (
    select
        record_id as device_id,
        record->>'$.organizationId' as organization_id,
        record->>'$.nodeClass' as node_class,
        record->>'$.systemName' as system_name,
        record->>'$.displayName' as display_name,
        record->>'$.dnsName' as dns_name,
        {{ ninjaone_stamp("record->>'$.created'") }} as created_at,
        {{ ninjaone_stamp("record->>'$.lastContact'") }} as last_contact_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed

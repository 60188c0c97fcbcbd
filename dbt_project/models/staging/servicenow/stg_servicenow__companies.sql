{{ incremental_staging_config('company_sys_id') }}

with source as (
    {{ current_records(source('raw_servicenow', 'core_company')) }}
),

renamed as (
    select
        record_id as company_sys_id,
        {{ servicenow_value('name') }} as company_name,
        {{ read_field('servicenow.core_company', 'customer') }} as is_customer,
        {{ servicenow_value('u_client_code') }} as client_code,
        {{ lineage_columns() }}
    from source
)

select * from renamed

{{ incremental_staging_config('computer_sys_id') }}

with source as (
    {{ current_records(source('raw_servicenow', 'cmdb_ci_computer')) }}
),

renamed as (
    select
        record_id as computer_sys_id,
        {{ servicenow_value('name') }} as computer_name,
        {{ servicenow_value('asset_tag') }} as asset_tag,
        {{ servicenow_value('serial_number') }} as serial_number,
        {{ servicenow_value('company') }} as company_sys_id,
        {{ servicenow_display_value('company') }} as company_display_name,
        coalesce({{ servicenow_display_value('department') }}, {{ servicenow_value('department') }}) as department,
        {{ lineage_columns() }}
    from source
)

select * from renamed

-- One row per asset: the devices of NinjaOne and the ServiceNow CMDB whose match keys agree.
with devices as (
    select * from {{ ref('int_devices_matched') }}
),

final as (
    select
        -- one asset_id per match key (int_devices_matched)
        min(asset_id) as asset_id,
        coalesce(
            min(client_id) filter (where system = 'ninjaone'),
            min(client_id) filter (where system = 'servicenow')
        ) as client_id,
        min(asset_class) as asset_class,
        min(department) filter (where system = 'servicenow') as department,
        min(device_key) filter (where system = 'ninjaone') as rmm_device_id,
        min(device_key) filter (where system = 'servicenow') as cmdb_sys_id,
        bool_and(name_conforms) as name_conforms,
        min(node_class) filter (where system = 'ninjaone') as rmm_node_class
    from devices
    where match_key is not null
    group by match_key
)

select * from final

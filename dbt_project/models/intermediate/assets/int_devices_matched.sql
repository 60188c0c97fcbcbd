-- Every device record of every system (NinjaOne devices, ServiceNow cmdb_ci_computer)
-- matched to its asset. Devices whose match keys agree are one asset. The asset_id is
-- a conforming name when some system's name conforms to the naming standard, else the
-- match key's conforming spelling (the key with the standard's separators put back).
-- Its class is the first segment of the naming standard (e.g. LAPTOP, DESKTOP, SERVER).
with ninjaone_devices as (
    select * from {{ ref('stg_ninjaone__devices') }}
),

servicenow_computers as (
    select * from {{ ref('stg_servicenow__computers') }}
),

naming_rules as (
    select * from {{ ref('stg_mappings__asset_naming_rules') }}
),

client_records as (
    select * from {{ ref('int_client_aliases_mapped') }}
),

-- The standard as a pattern over match keys: each run of the pattern between two
-- literal separators becomes one group, and the separators go into the replacement.
key_spelling as (
    {{ naming_standard_key_spelling('naming_rules') }}
),

devices as (
    select
        'ninjaone' as system,
        'devices' as entity,
        ninjaone_devices.device_id as device_key,
        ninjaone_devices.system_name as device_name,
        ninjaone_devices.node_class,
        null as department,
        client_records.client_id,
        ninjaone_devices._extract_date,
        ninjaone_devices._first_extract_date
    from ninjaone_devices
    left join client_records
        on client_records.system = 'ninjaone'
        and ninjaone_devices.organization_id = client_records.system_key

    union all

    select
        'servicenow' as system,
        'cmdb_ci_computer' as entity,
        servicenow_computers.computer_sys_id as device_key,
        servicenow_computers.computer_name as device_name,
        null as node_class,
        servicenow_computers.department,
        client_records.client_id,
        servicenow_computers._extract_date,
        servicenow_computers._first_extract_date
    from servicenow_computers
    left join client_records
        on client_records.system = 'servicenow'
        and servicenow_computers.company_sys_id = client_records.system_key
),

keyed as (
    select
        devices.*,
        {{ asset_match_key('devices.device_name') }} as match_key,
        {{ regex_full_match('devices.device_name', 'key_spelling.standard_pattern') }} as name_conforms,
        case
            when {{ regex_full_match(asset_match_key('devices.device_name'), 'key_spelling.key_pattern') }}
                then {{ regex_replace_all(asset_match_key('devices.device_name'), 'key_spelling.key_pattern', 'key_spelling.key_replacement') }}
            else {{ asset_match_key('devices.device_name') }}
        end as key_conforming_spelling,
        -- the asset class is the standard's first segment (LAPTOP, DESKTOP, SERVER)
        case
            when {{ regex_full_match(asset_match_key('devices.device_name'), 'key_spelling.key_pattern') }}
                then {{ regex_group(asset_match_key('devices.device_name'), 'key_spelling.key_pattern', 1) }}
        end as asset_class
    from devices
    left join key_spelling on true
),

matched as (
    select
        keyed.*,
        coalesce(
            min(case when name_conforms then device_name end) over (partition by match_key),
            key_conforming_spelling
        ) as asset_id
    from keyed
)

select * from matched

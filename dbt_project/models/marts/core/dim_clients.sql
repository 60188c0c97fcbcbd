-- One row per canonical client (clients.csv) with each system's own key for it.
with client_aliases as (
    select * from {{ ref('stg_mappings__clients') }}
),

client_records as (
    select * from {{ ref('int_client_aliases_mapped') }}
),

clients as (
    select
        client_id,
        {{ arg_min('client_name', '_record_position') }} as client_name
    from client_aliases
    where client_id is not null
    group by client_id
),

system_keys as (
    select
        client_id,
        min(system_key) filter (where system = 'connectwise') as psa_company_id,
        min(system_key) filter (where system = 'servicenow') as itsm_company_sys_id,
        min(system_key) filter (where system = 'jira') as esm_organization_id,
        min(system_key) filter (where system = 'ninjaone') as rmm_organization_id
    from client_records
    where client_id is not null
    group by client_id
),

final as (
    select
        clients.client_id,
        clients.client_name,
        system_keys.psa_company_id,
        system_keys.itsm_company_sys_id,
        system_keys.esm_organization_id,
        system_keys.rmm_organization_id
    from clients
    left join system_keys
        on clients.client_id = system_keys.client_id
)

select * from final

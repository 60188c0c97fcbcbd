-- Every system's own client record (ConnectWise company, ServiceNow core_company, Jira
-- organization, NinjaOne organization) with its alias mapped to the canonical client
-- through clients.csv. client_id is null when no mapping places the alias.
with connectwise_companies as (
    select * from {{ ref('stg_connectwise__companies') }}
),

servicenow_companies as (
    select * from {{ ref('stg_servicenow__companies') }}
),

jira_organizations as (
    select * from {{ ref('stg_jira__issue_organizations') }}
),

ninjaone_organizations as (
    select * from {{ ref('stg_ninjaone__organizations') }}
),

client_aliases as (
    select * from {{ ref('stg_mappings__clients') }}
),

system_clients as (
    select
        'connectwise' as system,
        company_id as system_key,
        company_identifier as alias
    from connectwise_companies

    union all

    select
        'servicenow' as system,
        company_sys_id as system_key,
        company_name as alias
    from servicenow_companies

    union all

    -- Jira has no organization extract: its organizations are the ones issues carry.
    select distinct
        'jira' as system,
        organization_id as system_key,
        organization_name as alias
    from jira_organizations

    union all

    select
        'ninjaone' as system,
        organization_id as system_key,
        organization_name as alias
    from ninjaone_organizations
),

mapped as (
    select
        system_clients.system,
        system_clients.system_key,
        system_clients.alias,
        client_aliases.client_id,
        client_aliases.client_name
    from system_clients
    left join client_aliases
        on system_clients.system = client_aliases.system
        and {{ match_value('system_clients.alias') }} = {{ match_value('client_aliases.alias') }}
)

select * from mapped

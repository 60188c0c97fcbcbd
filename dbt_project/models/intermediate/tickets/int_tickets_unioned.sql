-- Every ticket of every system in one shape, with the values the mappings will place
-- still in each vendor's own terms (docs/marts.md, "fct_tickets").
-- has_state_history: whether the system tells the ticket's states over time (ServiceNow, Jira,
-- a declared tool's per_update export); else its clock runs from opening to resolution.
-- has_resolved_column: false only for a declared export without a resolved column, whose
-- resolution then comes from its state history. reopen_count, reopened_at: a declared
-- per_record export's own (a state history tells its reopenings itself). is_closed_by_vendor:
-- the vendor's own closed flag (ConnectWise closedFlag), which counts where the state is unmapped.
with connectwise_tickets as (
    select * from {{ ref('stg_connectwise__tickets') }}
),

servicenow_incidents as (
    select * from {{ ref('stg_servicenow__incidents') }}
),

servicenow_requested_items as (
    select * from {{ ref('stg_servicenow__requested_items') }}
),

catalog_items as (
    select * from {{ ref('stg_mappings__catalog_items') }}
),

servicenow_companies as (
    select * from {{ ref('stg_servicenow__companies') }}
),

jira_issues as (
    select * from {{ ref('stg_jira__issues') }}
),

declared_tickets as (
    select * from {{ ref('stg_declared__tickets') }}
),

unioned as (
    select
        'connectwise:' || ticket_id as ticket_id,
        'connectwise' as source_system,
        'tickets' as source_entity,
        ticket_id as source_record_id,
        ticket_id as ticket_number,
        company_identifier as client_alias,
        type_name as category,
        sub_type_name as subcategory,
        null as project_key,
        priority_name as priority,
        status_name as state,
        null as state_label,
        entered_at as opened_at,
        responded_at,
        resolved_at,
        closed_at,
        external_xref,
        null as correlation_id,
        null as cmdb_ci_sys_id,
        false as has_state_history,
        true as has_resolved_column,
        is_closed as is_closed_by_vendor,
        cast(null as integer) as reopen_count,
        cast(null as timestamp) as reopened_at,
        _extract_date,
        _first_extract_date
    from connectwise_tickets

    union all

    select
        'servicenow:' || incidents.incident_number as ticket_id,
        'servicenow' as source_system,
        'incident' as source_entity,
        incidents.incident_sys_id as source_record_id,
        incidents.incident_number as ticket_number,
        coalesce(companies.company_name, incidents.company_display_name) as client_alias,
        incidents.category,
        incidents.subcategory,
        null as project_key,
        incidents.priority,
        incidents.state,
        incidents.state_label,
        incidents.opened_at,
        null as responded_at,
        incidents.resolved_at,
        incidents.closed_at,
        null as external_xref,
        incidents.correlation_id,
        incidents.cmdb_ci_sys_id,
        true as has_state_history,
        true as has_resolved_column,
        cast(null as boolean) as is_closed_by_vendor,
        cast(null as integer) as reopen_count,
        cast(null as timestamp) as reopened_at,
        incidents._extract_date,
        incidents._first_extract_date
    from servicenow_incidents as incidents
    left join servicenow_companies as companies
        on incidents.company_sys_id = companies.company_sys_id

    union all

    select
        'servicenow:' || items.requested_item_number as ticket_id,
        'servicenow' as source_system,
        'sc_req_item' as source_entity,
        items.requested_item_sys_id as source_record_id,
        items.requested_item_number as ticket_number,
        coalesce(companies.company_name, items.company_display_name) as client_alias,
        -- a requested item's category is its catalog item: its display value, else its name in
        -- catalog_items.csv (an export without display values); else none, and an exception
        coalesce(items.cat_item_name, catalog_items.cat_item_name) as category,
        null as subcategory,
        null as project_key,
        items.priority,
        items.state,
        items.state_label,
        items.opened_at,
        null as responded_at,
        items.resolved_at,
        items.closed_at,
        null as external_xref,
        null as correlation_id,
        null as cmdb_ci_sys_id,
        true as has_state_history,
        true as has_resolved_column,
        cast(null as boolean) as is_closed_by_vendor,
        cast(null as integer) as reopen_count,
        cast(null as timestamp) as reopened_at,
        items._extract_date,
        items._first_extract_date
    from servicenow_requested_items as items
    left join catalog_items
        on lower(items.cat_item_sys_id) = catalog_items.cat_item_sys_id
    left join servicenow_companies as companies
        on items.company_sys_id = companies.company_sys_id

    union all

    select
        'jira:' || issue_key as ticket_id,
        'jira' as source_system,
        'issues' as source_entity,
        issue_id as source_record_id,
        issue_key as ticket_number,
        organization_name as client_alias,
        -- a Jira issue's category is its project, with the request type as subcategory
        project_key as category,
        request_type_name as subcategory,
        project_key,
        priority_name as priority,
        status_name as state,
        null as state_label,
        created_at as opened_at,
        null as responded_at,
        resolved_at,
        null as closed_at,
        null as external_xref,
        null as correlation_id,
        null as cmdb_ci_sys_id,
        true as has_state_history,
        true as has_resolved_column,
        cast(null as boolean) as is_closed_by_vendor,
        cast(null as integer) as reopen_count,
        cast(null as timestamp) as reopened_at,
        _extract_date,
        _first_extract_date
    from jira_issues

    union all

    -- a declared tool (usm.yaml `tools:`): `<system>:<id>`, its values in its own terms
    select
        source_system || ':' || record_id as ticket_id,
        source_system,
        source_entity,
        record_id as source_record_id,
        record_id as ticket_number,
        client_alias,
        category,
        subcategory,
        null as project_key,
        priority,
        state,
        null as state_label,
        opened_at,
        responded_at,
        resolved_at,
        closed_at,
        null as external_xref,
        null as correlation_id,
        null as cmdb_ci_sys_id,
        has_state_history,
        has_resolved_column,
        cast(null as boolean) as is_closed_by_vendor,
        reopen_count,
        reopened_at,
        _extract_date,
        _first_extract_date
    from declared_tickets
)

select * from unioned

-- Who asked for each ticket: the ConnectWise contact, the ServiceNow caller (a requested
-- item's requested_for first), the Jira reporter. Personal data: only the pseudonymous
-- requester_key leaves this model by default (macros/privacy.sql).
with connectwise_tickets as (
    select * from {{ ref('stg_connectwise__tickets') }}
),

servicenow_incidents as (
    select * from {{ ref('stg_servicenow__incidents') }}
),

servicenow_requested_items as (
    select * from {{ ref('stg_servicenow__requested_items') }}
),

jira_issues as (
    select * from {{ ref('stg_jira__issues') }}
),

declared_tickets as (
    select * from {{ ref('stg_declared__tickets') }}
),

requesters as (
    select
        'connectwise:' || ticket_id as ticket_id,
        'connectwise' as source_system,
        contact_id as requester_id,
        contact_name as requester_name,
        contact_email as requester_email
    from connectwise_tickets

    union all

    select
        'servicenow:' || incident_number as ticket_id,
        'servicenow' as source_system,
        caller_sys_id as requester_id,
        caller_name as requester_name,
        null as requester_email
    from servicenow_incidents

    union all

    select
        'servicenow:' || requested_item_number as ticket_id,
        'servicenow' as source_system,
        coalesce(requested_for_sys_id, caller_sys_id) as requester_id,
        case when requested_for_sys_id is null then caller_name end as requester_name,
        null as requester_email
    from servicenow_requested_items

    union all

    select
        'jira:' || issue_key as ticket_id,
        'jira' as source_system,
        reporter_account_id as requester_id,
        reporter_name as requester_name,
        reporter_email as requester_email
    from jira_issues

    union all

    -- a declared tool's requester column (usm.yaml `tools:`): an id or a name, keyed like the others
    select
        source_system || ':' || record_id as ticket_id,
        source_system,
        requester_id,
        requester_id as requester_name,
        null as requester_email
    from declared_tickets
),

final as (
    select
        ticket_id,
        {{ pseudonym('source_system', 'requester_id') }} as requester_key,
        requester_name,
        requester_email
    from requesters
)

select * from final

-- Each clock over time of a ticket whose system tells its states (ServiceNow, Jira, a declared
-- tool's per_update export): the opening (in a `new` state), then every state change
-- (ServiceNow sys_audit, Jira changelog) mapped through states.csv, with the instant the next
-- change ends it (null for the current state). A ServiceNow incident without sys_audit state
-- rows takes its changes from its versions (a history export: one row per update), each change
-- at the update stamp of the row that shows it; so does a declared tool's per_update export.
-- It reads the tickets before the mappings (int_tickets_unioned), so int_tickets_mapped can
-- take a declared event log's resolution from it (int_ticket_resolutions_derived).
with tickets as (
    select * from {{ ref('int_tickets_unioned') }}
    where has_state_history
),

servicenow_state_changes as (
    select * from {{ ref('stg_servicenow__state_changes') }}
),

jira_status_changes as (
    select * from {{ ref('stg_jira__status_changes') }}
),

incident_versions as (
    select * from {{ ref('stg_servicenow__incident_versions') }}
),

version_changes as (
    select incident_sys_id, state, changed_at, version_number
    from (
        select
            incident_sys_id,
            coalesce(state, state_label) as state,
            updated_at as changed_at,
            version_number,
            lag(coalesce(state, state_label)) over (
                partition by incident_sys_id order by version_number
            ) as previous_state
        from incident_versions
        where incident_sys_id not in (
            select document_sys_id from servicenow_state_changes where document_sys_id is not null
        )
            and updated_at is not null
    ) as versions
    where state is distinct from previous_state
),

declared_version_changes as (
    select source_system, record_id, state, changed_at, version_number
    from (
        select
            source_system,
            record_id,
            state,
            updated_at as changed_at,
            version_number,
            lag(state) over (partition by source_system, record_id order by version_number) as previous_state
        from {{ ref('stg_declared__ticket_versions') }}
        where has_state_history and state is not null and updated_at is not null
    ) as versions
    where state is distinct from previous_state
),

state_map as (
    select * from {{ ref('stg_mappings__states') }}
),

changes as (
    select 'servicenow' as source_system, document_sys_id as source_record_id, to_state as state,
        changed_at, 1 as change_order
    from servicenow_state_changes
    union all
    select 'servicenow', incident_sys_id, state, changed_at, version_number
    from version_changes
    union all
    select 'jira', issue_id, to_status, changed_at, history_position * 1000 + item_position
    from jira_status_changes
    union all
    select source_system, record_id, state, changed_at, version_number
    from declared_version_changes
),

events as (
    select tickets.ticket_id, tickets.opened_at as changed_at, 0 as change_order, 'new' as clock
    from tickets
    union all
    select
        tickets.ticket_id,
        changes.changed_at,
        changes.change_order,
        coalesce(state_map.clock, 'open') as clock
    from changes
    inner join tickets
        on changes.source_system = tickets.source_system
        and changes.source_record_id = tickets.source_record_id
    left join state_map
        on changes.source_system = state_map.system
        and {{ match_value('changes.state') }} = {{ match_value('state_map.state') }}
),

ordered as (
    select
        ticket_id,
        changed_at,
        clock,
        row_number() over (partition by ticket_id order by changed_at, change_order) as event_number
    from events
)

select
    ticket_id,
    event_number,
    clock,
    changed_at as clock_from,
    lead(changed_at) over (partition by ticket_id order by event_number) as clock_to
from ordered

-- First response from state history: the first change of state away from a state whose
-- clock is `new` (ServiceNow sys_audit, Jira changelog, the rows of a declared tool's
-- per_update export). ConnectWise records its own dateResponded and needs no history.
with servicenow_state_changes as (
    select * from {{ ref('stg_servicenow__state_changes') }}
),

jira_status_changes as (
    select * from {{ ref('stg_jira__status_changes') }}
),

declared_versions as (
    select * from {{ ref('stg_declared__ticket_versions') }}
    where has_state_history and state is not null and updated_at is not null
),

state_map as (
    select * from {{ ref('stg_mappings__states') }}
),

-- a history export's consecutive rows: a change where the state differs from the row before
declared_state_changes as (
    select
        source_system,
        record_id as source_record_id,
        lag(state) over (partition by source_system, record_id order by version_number) as from_state,
        state as to_state,
        updated_at as changed_at
    from declared_versions
),

state_changes as (
    select
        'servicenow' as source_system,
        document_sys_id as source_record_id,
        from_state,
        to_state,
        changed_at
    from servicenow_state_changes

    union all

    select
        'jira' as source_system,
        issue_id as source_record_id,
        from_status as from_state,
        to_status as to_state,
        changed_at
    from jira_status_changes

    union all

    select source_system, source_record_id, from_state, to_state, changed_at
    from declared_state_changes
    where from_state is distinct from to_state
),

responses as (
    select
        state_changes.source_system,
        state_changes.source_record_id,
        min(state_changes.changed_at) as first_responded_at
    from state_changes
    inner join state_map as from_map
        on state_changes.source_system = from_map.system
        and {{ match_value('state_changes.from_state') }} = {{ match_value('from_map.state') }}
    left join state_map as to_map
        on state_changes.source_system = to_map.system
        and {{ match_value('state_changes.to_state') }} = {{ match_value('to_map.state') }}
    where from_map.clock = 'new'
        and to_map.clock is distinct from 'new'
    group by 1, 2
)

select * from responses

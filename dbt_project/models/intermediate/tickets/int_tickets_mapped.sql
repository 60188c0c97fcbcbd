{#- Where a ticket resolved: its own stamp. Without a resolved column at all (a declared event
    log), the last resolution its state history shows; so too a Jira done issue without
    resolutiondate (its workflow sets no resolution): it resolved at its change into a done
    status. A ServiceNow requested item has no resolved stamp of its own, and gets none. -#}
{%- set resolved_at -%}
    case
        when tickets.has_state_history and not tickets.has_resolved_column then resolutions.final_resolved_at
        when tickets.source_system = 'jira' and tickets.resolved_at is null
            and state_map.clock in ('resolved', 'closed')
            then resolutions.final_resolved_at
        else tickets.resolved_at
    end
{%- endset %}
-- Tickets with the site's mappings applied: client, category and department, priority,
-- the state's clock (status category; the vendor's closed flag where the state is unmapped),
-- first response, for Jira closed_at, and what the state history tells of resolutions.
with tickets as (
    select * from {{ ref('int_tickets_unioned') }}
),

client_aliases as (
    select * from {{ ref('stg_mappings__clients') }}
),

category_map as (
    select * from {{ ref('stg_mappings__categories') }}
),

priority_map as (
    select * from {{ ref('stg_mappings__priorities') }}
),

state_map as (
    select * from {{ ref('stg_mappings__states') }}
),

first_responses as (
    select * from {{ ref('int_ticket_first_responses_derived') }}
),

resolutions as (
    select * from {{ ref('int_ticket_resolutions_derived') }}
),

-- An empty subcategory in categories.csv matches any; an exact subcategory wins over it.
category_matches as (
    select ticket_id, canonical_category, department
    from (
        select
            tickets.ticket_id,
            category_map.canonical_category,
            category_map.department,
            row_number() over (
                partition by tickets.ticket_id
                order by category_map.subcategory is null, category_map._record_position
            ) as match_rank
        from tickets
        inner join category_map
            on tickets.source_system = category_map.system
            and {{ match_value('tickets.category') }} = {{ match_value('category_map.category') }}
            and (
                category_map.subcategory is null
                or {{ match_value('tickets.subcategory') }} = {{ match_value('category_map.subcategory') }}
            )
    ) as ranked
    where match_rank = 1
),

-- An unmapped Jira issue still belongs to its project's department.
project_departments as (
    select
        {{ match_value('category') }} as project_match,
        {{ arg_min('department', '_record_position') }} as department
    from category_map
    where system = 'jira'
    group by 1
),

mapped as (
    select
        tickets.ticket_id,
        tickets.source_system,
        tickets.source_entity,
        tickets.source_record_id,
        tickets.ticket_number,
        client_aliases.client_id,
        category_matches.canonical_category as category,
        coalesce(
            category_matches.department,
            case
                when tickets.source_system = 'jira' then project_departments.department
                else '{{ var("default_department") }}'
            end
        ) as department,
        priority_map.canonical_priority as priority,
        -- an unmapped state of a ticket its vendor flags closed is closed (and still an exception)
        coalesce(state_map.clock, case when tickets.is_closed_by_vendor then 'closed' end) as clock,
        state_map.clock is not null as is_state_mapped,
        case coalesce(state_map.clock, case when tickets.is_closed_by_vendor then 'closed' end)
            when 'new' then 'open'
            when 'open' then 'open'
            when 'paused' then 'on_hold'
            else coalesce(state_map.clock, case when tickets.is_closed_by_vendor then 'closed' end)
        end as status_category,
        tickets.opened_at,
        -- the system's own (ConnectWise dateResponded, a declared tool's responded column), else derived
        coalesce(tickets.responded_at, first_responses.first_responded_at) as first_responded_at,
        {{ resolved_at }} as resolved_at,
        resolutions.first_resolved_at,
        coalesce(resolutions.reopen_count, tickets.reopen_count) as reopen_count,
        coalesce(resolutions.last_reopened_at, tickets.reopened_at) as last_reopened_at,
        case
            when tickets.source_system = 'jira' and state_map.clock = 'closed' then {{ resolved_at }}
            else tickets.closed_at
        end as closed_at,
        tickets.external_xref,
        tickets.correlation_id,
        tickets.cmdb_ci_sys_id,
        tickets.has_state_history,
        tickets.has_resolved_column,
        -- the source values, for normalization_exceptions
        tickets.client_alias,
        tickets.category as source_category,
        tickets.subcategory as source_subcategory,
        tickets.priority as source_priority,
        tickets.state as source_state,
        tickets._extract_date,
        tickets._first_extract_date
    from tickets
    left join client_aliases
        on tickets.source_system = client_aliases.system
        and {{ match_value('tickets.client_alias') }} = {{ match_value('client_aliases.alias') }}
    left join category_matches
        on tickets.ticket_id = category_matches.ticket_id
    left join project_departments
        on {{ match_value('tickets.project_key') }} = project_departments.project_match
    left join priority_map
        on tickets.source_system = priority_map.system
        and {{ match_value('tickets.priority') }} = {{ match_value('priority_map.priority') }}
    -- ServiceNow exports the state as its code, or as its label with display values
    left join state_map
        on tickets.source_system = state_map.system
        and {{ match_value('coalesce(tickets.state, tickets.state_label)') }} = {{ match_value('state_map.state') }}
    left join first_responses
        on tickets.source_system = first_responses.source_system
        and tickets.source_record_id = first_responses.source_record_id
    left join resolutions
        on tickets.ticket_id = resolutions.ticket_id
)

select * from mapped

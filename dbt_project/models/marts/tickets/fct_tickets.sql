-- The current state of every ticket in every system, normalized and linked into work items.
with tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

work_items as (
    select * from {{ ref('int_work_items_linked') }}
    where member_type = 'ticket'
),

requesters as (
    select * from {{ ref('int_ticket_requesters') }}
),

resolutions as (
    select * from {{ ref('int_ticket_resolutions_derived') }}
),

final as (
    select
        tickets.ticket_id,
        tickets.source_system,
        tickets.source_entity,
        tickets.client_id,
        tickets.department,
        tickets.category,
        tickets.priority,
        tickets.opened_at,
        tickets.first_responded_at,
        -- a declared event log without a resolved column resolves where its history says
        case
            when tickets.has_state_history and not tickets.has_resolved_column then resolutions.final_resolved_at
            else tickets.resolved_at
        end as resolved_at,
        tickets.closed_at,
        tickets.status_category,
        resolutions.first_resolved_at,
        coalesce(resolutions.reopen_count, tickets.reopen_count) as reopen_count,
        coalesce(resolutions.last_reopened_at, tickets.reopened_at) as last_reopened_at,
        work_items.asset_id,
        work_items.origin_alert_uid,
        work_items.work_item_id,
        work_items.is_duplicate,
        requesters.requester_key,
        -- null unless var reveal_personal_data (README, "Privacy")
        {{ personal_data('requesters.requester_name') }} as requester_name,
        {{ personal_data('requesters.requester_email') }} as requester_email
    from tickets
    inner join work_items
        on tickets.ticket_id = work_items.ticket_id
    left join requesters
        on tickets.ticket_id = requesters.ticket_id
    left join resolutions
        on tickets.ticket_id = resolutions.ticket_id
)

select * from final

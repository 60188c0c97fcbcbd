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
        tickets.resolved_at,
        tickets.closed_at,
        tickets.status_category,
        tickets.first_resolved_at,
        tickets.reopen_count,
        tickets.last_reopened_at,
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
)

select * from final

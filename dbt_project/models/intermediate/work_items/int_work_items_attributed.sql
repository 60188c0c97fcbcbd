-- One row per work item: the client, category and department it belongs to, and where it
-- stands. Attributes come from its own tickets: the ConnectWise original first (billing
-- happens there), then the others by ticket_id, skipping tickets whose value is unmapped.
-- A work item is resolved when some ticket is resolved or closed and none is still open or
-- on hold; opened_at is its first ticket's opening, resolved_at its last resolution.
{%- set precedence = ["source_system <> 'connectwise'", 'is_duplicate', 'ticket_id'] %}
with tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

members as (
    select * from {{ ref('int_work_items_linked') }}
    where member_type = 'ticket'
),

work_item_tickets as (
    select
        members.work_item_id,
        members.is_duplicate,
        tickets.*
    from tickets
    inner join members
        on tickets.ticket_id = members.ticket_id
),

final as (
    select
        work_item_id,
        {{ arg_min('client_id', precedence, filter='client_id is not null') }} as client_id,
        {{ arg_min('category', precedence, filter='category is not null') }} as category,
        {{ arg_min('department', precedence, filter='department is not null') }} as department,
        bool_or(source_system = 'connectwise') as has_psa_ticket,
        bool_or(status_category in ('resolved', 'closed')) as has_resolved_ticket,
        bool_or(status_category in ('open', 'on_hold')) as has_open_ticket,
        min(opened_at) as opened_at,
        max(coalesce(resolved_at, closed_at)) filter (
            where status_category in ('resolved', 'closed')
        ) as resolved_at
    from work_item_tickets
    group by work_item_id
)

select * from final

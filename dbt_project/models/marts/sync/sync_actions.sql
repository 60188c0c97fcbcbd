-- Closure sync's plan (README, "Closure sync"): one row per work item whose systems disagree,
-- and the action that aligns them, carried out by `usm sync --apply`
-- (pipelines/lib/closure_sync.py reads the columns of SYNC_ACTION_COLUMNS).
-- Of a work item only its non-duplicate ConnectWise ticket, ServiceNow incident and alert count:
--   itsm_resolved_psa_open  the incident is resolved or closed, the PSA ticket open or on hold
--                           -> close_psa_ticket
--   alert_reset_psa_open    the alert's last activity is a reset, after the PSA ticket last
--                           changed (a ticket reopened after the reset is deliberate), the PSA
--                           ticket is open or on hold, and no incident of the work item is
--                           (closing the ticket would only move the disagreement)
--                           -> close_psa_ticket
--   psa_closed_itsm_open    the PSA ticket is resolved or closed, the incident open or on hold
--                           -> resolve_itsm_incident
-- action_id is `<action>:<target_ticket_id>`, so the same disagreement keeps its id from one
-- build to the next. Resolved against closed is no disagreement; nor is canceled.
with tickets as (
    select * from {{ ref('fct_tickets') }}
    where not is_duplicate
),

vendor_ids as (
    select
        ticket_id,
        source_record_id
    from {{ ref('int_tickets_mapped') }}
),

psa_updates as (
    select
        'connectwise:' || ticket_id as ticket_id,
        updated_at
    from {{ ref('stg_connectwise__tickets') }}
),

activities as (
    select * from {{ ref('stg_ninjaone__activities') }}
),

-- each alert's last activity: a reset (`statusCode` RESET) clears it
alert_states as (
    select
        alert_uid,
        {{ arg_max('status_code', ['activity_at', 'activity_id']) }} as last_status,
        max(activity_at) as last_activity_at
    from activities
    where alert_uid is not null and activity_at is not null
    group by alert_uid
),

psa_tickets as (
    select
        tickets.work_item_id,
        tickets.client_id,
        tickets.ticket_id,
        tickets.status_category,
        tickets.origin_alert_uid,
        vendor_ids.source_record_id,
        psa_updates.updated_at
    from tickets
    inner join vendor_ids
        on tickets.ticket_id = vendor_ids.ticket_id
    left join psa_updates
        on tickets.ticket_id = psa_updates.ticket_id
    where tickets.source_system = 'connectwise'
),

incidents as (
    select
        tickets.work_item_id,
        tickets.ticket_id,
        tickets.status_category,
        vendor_ids.source_record_id
    from tickets
    inner join vendor_ids
        on tickets.ticket_id = vendor_ids.ticket_id
    where tickets.source_entity = 'incident'
),

pairs as (
    select
        psa_tickets.work_item_id,
        psa_tickets.client_id,
        psa_tickets.ticket_id as psa_ticket_id,
        psa_tickets.source_record_id as psa_record_id,
        psa_tickets.status_category as psa_status,
        psa_tickets.updated_at as psa_updated_at,
        incidents.ticket_id as incident_ticket_id,
        incidents.source_record_id as incident_record_id,
        incidents.status_category as incident_status,
        psa_tickets.origin_alert_uid,
        alert_states.last_status as alert_last_status,
        alert_states.last_activity_at as alert_reset_at
    from psa_tickets
    left join incidents
        on psa_tickets.work_item_id = incidents.work_item_id
    left join alert_states
        on psa_tickets.origin_alert_uid = alert_states.alert_uid
),

disagreements as (
    select
        *,
        case
            when psa_status in ('open', 'on_hold') and incident_status in ('resolved', 'closed')
                then 'itsm_resolved_psa_open'
            when psa_status in ('open', 'on_hold')
                and coalesce(incident_status, '') not in ('open', 'on_hold')
                and alert_last_status = 'RESET'
                and alert_reset_at > psa_updated_at
                then 'alert_reset_psa_open'
            when psa_status in ('resolved', 'closed') and incident_status in ('open', 'on_hold')
                then 'psa_closed_itsm_open'
        end as reason
    from pairs
),

targets as (
    select
        *,
        reason = 'psa_closed_itsm_open' as targets_incident
    from disagreements
    where reason is not null
),

final as (
    select
        case when targets_incident then 'resolve_itsm_incident' else 'close_psa_ticket' end
            || ':' || case when targets_incident then incident_ticket_id else psa_ticket_id end as action_id,
        work_item_id,
        case when targets_incident then 'resolve_itsm_incident' else 'close_psa_ticket' end as action,
        reason,
        case when targets_incident then incident_ticket_id else psa_ticket_id end as target_ticket_id,
        case when targets_incident then incident_record_id else psa_record_id end as target_record_id,
        case reason
            when 'itsm_resolved_psa_open' then incident_ticket_id
            when 'alert_reset_psa_open' then 'alert:' || origin_alert_uid
            else psa_ticket_id
        end as source_ticket_id,
        client_id,
        case when targets_incident then incident_status else psa_status end as target_status,
        case reason
            when 'itsm_resolved_psa_open' then incident_status
            when 'alert_reset_psa_open' then 'reset'
            else psa_status
        end as source_status,
        case when reason = 'alert_reset_psa_open' then alert_reset_at end as alert_reset_at
    from targets
)

select * from final

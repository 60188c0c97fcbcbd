-- One row per member of a work item: every ticket, and every NinjaOne alert.
-- An alert, the ConnectWise ticket it opened (psaTicketId), the ServiceNow incident
-- that ticket mirrors (externalXRef = incident number) and the incident whose
-- correlation_id is the alert uid are one work item; so is anything linked to them
-- through these keys (connected components). The work item is `wi:<alert uid>` when
-- it has an alert, else `wi:<smallest ticket_id>`. Two tickets of one system in one
-- work item are duplicates: all but the one with the smallest ticket_id.
-- Its asset is the asset of the alert's device, else of the incident's cmdb_ci.
with tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

alerts as (
    select * from {{ ref('stg_ninjaone__alerts') }}
),

devices as (
    select * from {{ ref('int_devices_matched') }}
),

nodes as (
    select
        ticket_id as member_id,
        'ticket' as member_type,
        source_system,
        source_entity,
        ticket_id,
        null as alert_uid
    from tickets

    union all

    select
        'ninjaone:' || alert_uid as member_id,
        'alert' as member_type,
        'ninjaone' as source_system,
        'alerts' as source_entity,
        null as ticket_id,
        alert_uid
    from alerts
),

links as (
    -- an alert and the PSA ticket it opened
    select
        'ninjaone:' || alert_uid as from_id,
        'connectwise:' || psa_ticket_id as to_id,
        'tickets' as to_entity
    from alerts
    where psa_ticket_id is not null

    union all

    -- a PSA ticket and the ITSM incident it mirrors
    select
        ticket_id as from_id,
        'servicenow:' || external_xref as to_id,
        'incident' as to_entity
    from tickets
    where source_system = 'connectwise' and external_xref is not null

    union all

    -- an ITSM incident and the alert it came from
    select
        ticket_id as from_id,
        'ninjaone:' || correlation_id as to_id,
        'alerts' as to_entity
    from tickets
    where source_entity = 'incident' and correlation_id is not null
),

-- links between members that exist, both ways
edges as (
    select
        links.from_id,
        links.to_id
    from links
    inner join nodes as targets
        on links.to_id = targets.member_id
        and links.to_entity = targets.source_entity
    where links.from_id <> links.to_id

    union

    select
        links.to_id as from_id,
        links.from_id as to_id
    from links
    inner join nodes as targets
        on links.to_id = targets.member_id
        and links.to_entity = targets.source_entity
    where links.from_id <> links.to_id
),

-- each linked member's component: the smallest member id it reaches
components as (
    {{ graph_components('edges') }}
),

members as (
    select
        nodes.*,
        coalesce(components.component_id, nodes.member_id) as component_id,
        coalesce(alert_devices.asset_id, incident_devices.asset_id) as member_asset_id
    from nodes
    left join components
        on nodes.member_id = components.member_id
    left join alerts
        on nodes.alert_uid = alerts.alert_uid
    left join devices as alert_devices
        on alert_devices.system = 'ninjaone'
        and alerts.device_id = alert_devices.device_key
    left join tickets
        on nodes.ticket_id = tickets.ticket_id
        and tickets.source_entity = 'incident'
    left join devices as incident_devices
        on incident_devices.system = 'servicenow'
        and tickets.cmdb_ci_sys_id = incident_devices.device_key
),

work_items as (
    select
        component_id,
        min(alert_uid) as origin_alert_uid,
        min(ticket_id) as first_ticket_id,
        coalesce(
            {{ arg_min('member_asset_id', 'alert_uid', filter="member_type = 'alert'") }},
            min(member_asset_id) filter (where source_entity = 'incident')
        ) as asset_id
    from members
    group by component_id
),

linked as (
    select
        members.member_id,
        members.member_type,
        members.source_system,
        members.ticket_id,
        members.alert_uid,
        'wi:' || coalesce(work_items.origin_alert_uid, work_items.first_ticket_id) as work_item_id,
        work_items.origin_alert_uid,
        work_items.asset_id,
        case
            when members.member_type = 'ticket'
                then row_number() over (
                    partition by members.component_id, members.member_type, members.source_system
                    order by members.ticket_id
                ) > 1
        end as is_duplicate
    from members
    inner join work_items
        on members.component_id = work_items.component_id
)

select * from linked

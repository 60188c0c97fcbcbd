-- One row per status change in an issue's changelog (kept as JSON by stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

histories as (
    select
        issue_id,
        issue_key,
        unnest(try_cast(changelog_histories as json[])) as history,
        generate_subscripts(try_cast(changelog_histories as json[]), 1) as history_position
    from issues
),

items as (
    select
        issue_id,
        issue_key,
        history_position,
        history->>'$.id' as history_id,
        {{ jira_stamp("history->>'$.created'") }} as changed_at,
        unnest(try_cast(history->'$.items' as json[])) as item,
        generate_subscripts(try_cast(history->'$.items' as json[]), 1) as item_position
    from histories
),

renamed as (
    select
        issue_id,
        issue_key,
        history_position,
        history_id,
        item_position,
        changed_at,
        item->>'$.fromString' as from_status,
        item->>'$.toString' as to_status
    from items
    where item->>'$.field' = 'status'
)

select * from renamed

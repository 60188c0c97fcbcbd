-- One row per status change in an issue's changelog (kept as JSON by stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

histories as (
    {{ json_array_rows('issues', 'changelog_histories', 'history', 'history_position', columns=['issue_id', 'issue_key']) }}
),

history_items as (
    {{ json_array_rows(
        'histories', json_get('history', 'items'), 'item', 'item_position',
        columns=[
            'issue_id', 'issue_key', 'history_position',
            json_text('history', 'id') ~ ' as history_id',
            jira_stamp(json_text('history', 'created')) ~ ' as changed_at',
        ]
    ) }}
),

renamed as (
    select
        issue_id,
        issue_key,
        history_position,
        history_id,
        item_position,
        changed_at,
        {{ json_text('item', 'fromString') }} as from_status,
        {{ json_text('item', 'toString') }} as to_status
    from history_items
    where {{ json_text('item', 'field') }} = 'status'
)

select * from renamed

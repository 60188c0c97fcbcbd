-- One row per approval of an issue, from the approvals custom field (kept as JSON by
-- stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

approvals as (
    {{ json_array_rows('issues', 'approvals', 'approval', 'approval_position', columns=['issue_id', 'issue_key']) }}
),

renamed as (
    select
        issue_id,
        issue_key,
        approval_position,
        {{ json_text('approval', 'id') }} as approval_id,
        {{ json_text('approval', 'name') }} as approval_name,
        {{ json_text('approval', 'finalDecision') }} as final_decision,
        {{ jira_date_object('(' ~ json_get('approval', 'createdDate') ~ ')') }} as created_at,
        {{ jira_date_object('(' ~ json_get('approval', 'completedDate') ~ ')') }} as completed_at
    from approvals
)

select * from renamed

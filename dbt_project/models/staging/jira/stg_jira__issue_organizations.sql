-- One row per issue and customer organization, from the organizations custom field
-- (kept as JSON by stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

organizations as (
    {{ json_array_rows(
        'issues', 'organizations', 'organization', 'organization_position',
        columns=['issue_id', 'issue_key', '_extract_date', '_first_extract_date']
    ) }}
),

renamed as (
    select
        issue_id,
        issue_key,
        organization_position,
        {{ json_text('organization', 'id') }} as organization_id,
        {{ json_text('organization', 'name') }} as organization_name,
        _extract_date,
        _first_extract_date
    from organizations
)

select * from renamed

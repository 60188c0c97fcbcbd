-- One row per issue and customer organization, from the organizations custom field
-- (kept as JSON by stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

organizations as (
    select
        issue_id,
        issue_key,
        unnest(try_cast(organizations as json[])) as organization,
        generate_subscripts(try_cast(organizations as json[]), 1) as organization_position,
        _extract_date,
        _first_extract_date
    from issues
),

renamed as (
    select
        issue_id,
        issue_key,
        organization_position,
        organization->>'$.id' as organization_id,
        organization->>'$.name' as organization_name,
        _extract_date,
        _first_extract_date
    from organizations
)

select * from renamed

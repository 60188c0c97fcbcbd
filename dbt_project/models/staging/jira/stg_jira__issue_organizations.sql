-- One row per issue and customer organization, from the organizations custom field.
with source as (
    {{ current_records(source('raw_jira', 'issues')) }}
),

organizations as (
    select
        record_id as issue_id,
        record->>'$.key' as issue_key,
        unnest(
            try_cast(record->'$.fields'->'{{ var("jira_organizations_field") }}' as json[])
        ) as organization,
        generate_subscripts(
            try_cast(record->'$.fields'->'{{ var("jira_organizations_field") }}' as json[]), 1
        ) as organization_position,
        _extract_date,
        _first_extract_date
    from source
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

-- catalog_items.csv: a ServiceNow catalog item's name by its sys_id, for requested items exported
-- without display values (their cat_item is then a bare sys_id).
with source as (
    select * from {{ source('raw_mappings', 'catalog_items') }}
),

renamed as (
    select
        lower(nullif(trim(sys_id), '')) as cat_item_sys_id,
        nullif(trim(name), '') as cat_item_name,
        _record_position
    from source
)

select * from renamed

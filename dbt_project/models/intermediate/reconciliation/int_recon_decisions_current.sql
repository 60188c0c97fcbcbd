-- The analysts' decision that stands for each exception id: the newest by decided_at
-- (docs/landing.md, "Reviews"), then the later extract date and file.
with decisions as (
    select * from {{ ref('stg_reviews__decisions') }}
),

final as (
    select exception_id, decision, decided_by, decided_at, note, _extract_date, _first_extract_date
    from (
        select
            trim(exception_id) as exception_id,
            decision,
            decided_by,
            decided_at,
            note,
            _extract_date,
            _first_extract_date,
            row_number() over (
                partition by trim(exception_id)
                order by decided_at desc nulls last, _extract_date desc, _source_file desc
            ) as decision_rank
        from decisions
        where nullif(trim(exception_id), '') is not null
    ) as ranked
    where decision_rank = 1
)

select * from final

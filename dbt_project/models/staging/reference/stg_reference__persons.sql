{#- The raw 身份证号, name and phone stop here: only the keyed pseudonym and masked values go on.
    A table, not a view: reading it must not need the yibao_psn_key function (BI tools, quality
    checks, other engines), the HMAC runs once per build, and Spark cannot create a permanent view
    over a session UDF. -#}
{{ config(materialized='table') }}

with

deduplicated as (
    {{ latest_delivery(source('reference', 'psn'), ['psn_no'], snapshot=true) }}
),

final as (
    select
        psn_no,
        {{ psn_key('certno') }} as psn_key,
        {{ mask_certno('certno') }} as certno_masked,
        {{ mask_name('psn_name') }} as psn_name_masked,
        gend,
        brdy,
        insutype,
        insu_admdvs,
        die_date,
        last_period_seen = _newest_period as is_current,
        first_period_seen,
        last_period_seen,
        _file,
        _line,
        _batch_id,
        _period
    from deduplicated
)

select * from final

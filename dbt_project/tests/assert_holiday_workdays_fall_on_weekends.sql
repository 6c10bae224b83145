{#- A 调休 make-up working day (cn_public_holidays day_type 'workday') is always a Saturday or a
    Sunday; a weekday listed as one is a typing error in the seed. -#}
select *
from {{ ref('cn_public_holidays') }}
where
    day_type = 'workday'
    and {{ iso_weekday('calendar_date') }} < 6

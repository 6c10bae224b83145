{#- 医保支付资格记分: one row per practitioner × calendar year in which reviews confirmed hits
    attributed to them — the acts scored, the points by rule severity and whether they reach the
    year's threshold (docs: supervisor_doctor_scores). Person-level: supervisors only. -#}
with

hits as (
    select * from {{ ref('fct_rule_hits') }}
),

reviews as (
    select * from {{ ref('mart_hit_reviews') }}
),

fee_lines as (
    select * from {{ ref('fct_fee_line') }}
),

pharmacy_sales as (
    select * from {{ ref('fct_pharmacy_sale') }}
),

rules as (
    select * from {{ ref('rule_catalogue') }}
),

score_points as (
    select * from {{ ref('doctor_score_points') }}
),

practitioners as (
    select * from {{ ref('dim_practitioner') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

-- a confirmed (1) or partly confirmed (2) hit, charged to the doctor who billed its fee line
-- (bilg_dr_code) or prescribed its pharmacy sale (prsc_dr_code), in the year of its latest review
attributed as (
    select
        hits.hit_id,
        hits.rule_code,
        hits.fixmedins_code,
        {{ clue_id('hits.fixmedins_code', 'hits.occurred_on') }} as clue_id,
        coalesce(fee_lines.bilg_dr_code, pharmacy_sales.prsc_dr_code) as dr_code,
        cast(extract(year from reviews.review_date) as integer) as score_year,
        reviews.confirmed_amt,
        coalesce(rules.severity, 1) as severity
    from hits
    inner join reviews
        on hits.hit_id = reviews.hit_id
    left join fee_lines
        on hits.feedetl_sn = fee_lines.feedetl_sn
    left join pharmacy_sales
        on
            hits.sale_sn = pharmacy_sales.sale_sn
            and hits.fixmedins_code = pharmacy_sales.fixmedins_code
    left join rules
        on hits.rule_code = rules.rule_code
    where reviews.decision in ('1', '2')
),

-- one scored act per doctor, rule and clue (institution × quarter): the scheme scores a violation
-- found and handled, not each fee line of it
acts as (
    select
        dr_code,
        score_year,
        rule_code,
        clue_id,
        max(fixmedins_code) as fixmedins_code,
        max(severity) as severity,
        count(*) as confirmed_hit_count,
        sum(coalesce(confirmed_amt, 0)) as confirmed_amount
    from attributed
    where dr_code is not null
    group by dr_code, score_year, rule_code, clue_id
),

scored_acts as (
    select
        acts.*,
        coalesce(score_points.points, 0) as points
    from acts
    left join score_points
        on acts.severity = score_points.severity
),

doctor_years as (
    select
        dr_code,
        score_year,
        count(*) as scored_act_count,
        count(distinct rule_code) as rule_count,
        sum(confirmed_hit_count) as confirmed_hit_count,
        sum(confirmed_amount) as confirmed_amount,
        sum(points) as score_points,
        max(fixmedins_code) as act_fixmedins_code
    from scored_acts
    group by dr_code, score_year
),

final as (
    select
        doctor_years.score_year,
        doctor_years.dr_code,
        {{ mask_name('practitioners.dr_name') }} as dr_name_masked,
        coalesce(practitioners.fixmedins_code, doctor_years.act_fixmedins_code) as fixmedins_code,
        institutions.fixmedins_name,
        cast(doctor_years.scored_act_count as integer) as scored_act_count,
        cast(doctor_years.rule_count as integer) as rule_count,
        cast(doctor_years.confirmed_hit_count as bigint) as confirmed_hit_count,
        {{ money('doctor_years.confirmed_amount') }} as confirmed_amount,
        cast(doctor_years.score_points as integer) as score_points,
        cast({{ var('doctor_score_threshold') }} as integer) as score_threshold,
        doctor_years.score_points >= {{ var('doctor_score_threshold') }} as reaches_threshold
    from doctor_years
    left join practitioners
        on doctor_years.dr_code = practitioners.dr_code
    left join institutions
        on coalesce(practitioners.fixmedins_code, doctor_years.act_fixmedins_code) = institutions.fixmedins_code
)

select * from final

"""Sample extracts for the fictional 统筹区 云澜市 (centre admdvs 990100) — every feed, every format.

    python -m synthetic --out DIR --seed N --scale S [--start 2025-01 --months 12] [--truth PATH]

or ``generate(out, seed=7, scale=1.0, start="2025-01", months=12, truth=None) -> Summary``. The same
arguments give byte-identical files. The ground truth goes to ``--truth`` (default
``<parent of out>/ground_truth.csv``), never inside the landing tree.

Scale
    fee lines ≈ 47,000 × scale + ~2,400 lines of injected cases (scale 1 ≈ 48,300; scale 213 ≈
    10.6 million). Persons = 1,080 × scale (at least 150); visits, settlements, pharmacy sales, HIS
    rows and 进销存 rows grow with them; institutions number 18 × round(scale^¼) + 1 (19 up to
    scale 5, 73 from 150 to 400) so a big tree keeps a manageable number of files. Generation is
    month by month (vectorised numpy, one Parquet table per month split every 400,000 rows into
    ``_<seq>`` files): measured 1.5 s / 0.2 GB at scale 1 and ~60 s / 1.2 GB peak RSS at scale 213
    (10.6 M fee lines).

What is written (layout ``<out>/<feed>/<YYYYMM>/<sender>_<feed>_<YYYYMM>[_<seq>].<ext>``)
    * settlement platform (mdtrt, setl, fee_list, setl_diag): Parquet from the centre, money
      decimal(18,2), counts and prices decimal(18,4), times naive timestamps (setl_time as text);
    * HIS (his_ipt_register, his_order, his_charge) from H1–H3: GB18030 CSV, CRLF, Chinese labels;
    * reference (fixmedins, fixmedins_agreement, psn, hilist, practitioner): UTF-8 CSV with field
      codes, a full snapshot every month as of its last day, each change first showing in the
      month it happens: deaths, newborns, the 暂停 (4th month) and 解除 (5th) agreement rows, the
      closed and new rows of the three catalogue items whose cap changes in the middle month, and
      in the last month a new pharmacy and a new practitioner;
    * knowledge base (kb_point with Chinese labels, kb_point_code with field codes): UTF-8 CSV
      snapshots every month, each holding the points published by then (see ``kb_points``);
    * pharmacy (phar_sale) and 进销存 (inv_purchase, inv_stocktake, inv_change): UTF-8-with-BOM CSV,
      one file per institution and month, headers per institution as Chinese labels, field codes, or
      either in a shuffled order; no file in a month without rows (identical header-only files from
      two senders would be the same bytes, i.e. a duplicate delivery);
    * casework (case_inspection, case_clue, case_hit_review, case_tipoff): .xlsx with date cells.
      ``case_clue`` records the handling of clues the warehouse will raise
      (``CL-<fixmedins_code>-<YYYY>Q<q>``, institution × quarter of injected hits): 初审, 复审, then
      违规处理 with a confirmed amount of 50–90 % of the hits' known amounts, or 排除; the 要情 clue
      (≥ 500,000 yuan, the only one) is first recorded within its 5 working days. The two stages of one
      clue of the quarter before the window are deliberately unmatched (the warehouse lists them as
      outside its data). Stages dated after the window are not delivered (months without any stage
      deliver a header-only workbook). ``case_hit_review`` (疑点明细复核) delivers, with the last month,
      reviews of the injected R05 hits (every other one excluded, the others partly confirmed) and one
      review of an unknown hit id (deliberately unmatched); the earlier months deliver a header-only
      workbook.

The background is clean for all rules R01–R29 (checked by ``synthetic.oracle`` in the tests; R01–R22
also on a 10.6 M-line tree): persons act on fixed slot days ≥ 8 days apart; inpatient-prone persons are
admitted at most once a quarter and never have other visits during a stay; chronic refills supply
≤ 30 days a month, acute purchases ≤ 10 days; restricted items only appear in profiles whose
diagnosis, sex, age band (one year inside the limit), hospital level and setting satisfy them;
no profile bills both items of a ``rule_bundle_pairs`` pair; every stay day has a treatment line;
prices follow the catalogue row valid on the fee date; pharmacies settle within opening hours at
most once a day per person; suspended / terminated institutions are replaced by a fallback while
blocked; monthly purchases at 00:01 on the 1st cover the gross quantity sold and stocktakes close
every month; watchlist items are trimmed so a month never exceeds 75 % of max(10,000, 2 × the
trailing three-month average); HIS charges mirror the uploaded inpatient lines; the knowledge base's
points name only catalogue items reserved for cases and diagnoses no profile uses.

Ground truth (``ground_truth.csv``) and the readings behind the cases: see ``cases.TRUTH_KEYS`` for
the key grain per rule and the note column of every row. Readings chosen where RULES.md leaves room:
R06(a) a fully refunded line is no treatment; R07's share is one of amounts (检查检验费用占比): two
cases have shares by amount and by line count on opposite sides of 0.5, so a count-based reading
misses one and hits the other; R09 pharmacy activity is keyed by
``sale_sn``; R16 sales net of refunds/returns (the background also satisfies the gross reading, the
R16 near-miss with a return does not); R17 "12 months before" compares timestamps, a purchase
earlier the same day counts; R18 never counts a pharmacy's fee lines (they carry the same 追溯码 as
its phar_sale lines); R21 months are fee months (the background also passes with settlement months).
"""

from .generator import Summary, generate

__all__ = ["Summary", "generate"]

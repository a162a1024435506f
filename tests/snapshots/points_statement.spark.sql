WITH ordered AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY msisdn, product ORDER BY entry_time NULLS LAST, entry_id NULLS LAST) AS claim_no,
    FIRST_VALUE(staff_id) OVER (
      PARTITION BY msisdn, product
      ORDER BY entry_time NULLS LAST, entry_id NULLS LAST
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS holder /* an explicit ROWS frame: the default RANGE frame costs DuckDB 20% more here */
  FROM entries
  WHERE
    entry_time >= CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
    AND entry_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
), valid_m AS (
  SELECT
    msisdn,
    product,
    MAX(fee) AS fee
  FROM valid
  WHERE
    month = '2022-11'
  GROUP BY
    msisdn,
    product
), rules_m AS (
  SELECT
    product,
    rate,
    points
  FROM rules
  WHERE
    valid_from <= '2022-11' AND (
      valid_to IS NULL OR valid_to >= '2022-11'
    )
), judged AS (
  SELECT
    o.entry_id,
    o.entry_time,
    o.staff_id,
    o.staff_name,
    o.store,
    o.region,
    o.department,
    o.msisdn,
    o.product,
    CASE
      WHEN o.claim_no > 1 AND o.holder = o.staff_id
      THEN 'duplicate'
      WHEN o.claim_no > 1
      THEN 'contested'
      WHEN v.msisdn IS NULL
      THEN 'invalid'
      WHEN r.product IS NULL
      THEN 'no_rule'
      ELSE 'valid'
    END AS status,
    CASE WHEN o.claim_no > 1 THEN o.holder END AS held_by,
    CASE WHEN o.claim_no = 1 THEN v.fee END AS fee,
    r.rate,
    r.points
  FROM ordered AS o
  LEFT JOIN valid_m AS v
    ON v.msisdn = o.msisdn AND v.product = o.product
  LEFT JOIN rules_m AS r
    ON r.product = o.product
), claims AS (
  SELECT
    entry_id,
    entry_time,
    staff_id,
    staff_name,
    store,
    region,
    department,
    msisdn,
    product,
    status,
    held_by,
    fee,
    CAST(CASE
      WHEN status <> 'valid'
      THEN 0
      WHEN NOT points IS NULL
      THEN points
      ELSE ROUND(fee * rate, 2)
    END AS DECIMAL(18, 2)) AS earned
  FROM judged
), per_staff AS (
  SELECT
    staff_id,
    COUNT(*) AS claims,
    COUNT(*) FILTER(WHERE
      status = 'valid') AS valid,
    COUNT(*) FILTER(WHERE
      status = 'invalid') AS invalid,
    COUNT(*) FILTER(WHERE
      status = 'duplicate') AS duplicate,
    COUNT(*) FILTER(WHERE
      status = 'contested') AS contested,
    COUNT(*) FILTER(WHERE
      status = 'no_rule') AS no_rule,
    SUM(earned) AS earned
  FROM claims
  GROUP BY
    staff_id
), deductions AS (
  SELECT
    k.staff_id,
    SUM(COALESCE(cat.amount, 2)) AS deductions
  FROM complaints AS k
  LEFT JOIN VALUES
    ('资费争议', 1) AS cat(category, amount)
    ON cat.category = k.category
  WHERE
    NOT k.staff_id IS NULL
    AND k.complaint_time >= CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
    AND k.complaint_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
  GROUP BY
    k.staff_id
), adjustments AS (
  SELECT
    staff_id,
    SUM(points) AS adjustments
  FROM _adjustments
  WHERE
    month = '2022-11'
  GROUP BY
    staff_id
), everyone AS (
  SELECT
    staff_id
  FROM per_staff
  UNION
  SELECT
    staff_id
  FROM deductions
  UNION
  SELECT
    staff_id
  FROM adjustments
), profile /* name, store, region, department from the staff's latest entry of the month, or, for */ /* staff with only a complaint or an adjustment this month, their latest earlier entry */ AS (
  SELECT
    staff_id,
    MAX_BY(
      STRUCT(staff_name AS staff_name, store AS store, region AS region, department AS department),
      (entry_time, entry_id)
    ) AS p
  FROM entries
  WHERE
    (
      entry_time >= CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
      AND entry_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
    )
    OR (
      entry_time < CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
      AND staff_id IN (
        SELECT
          staff_id
        FROM everyone
        EXCEPT
        SELECT
          staff_id
        FROM per_staff
      )
    )
  GROUP BY
    staff_id
), base AS (
  SELECT
    e.staff_id,
    f.p.staff_name,
    f.p.store,
    f.p.region,
    f.p.department,
    COALESCE(p.claims, 0) AS claims,
    COALESCE(p.valid, 0) AS valid,
    COALESCE(p.invalid, 0) AS invalid,
    COALESCE(p.duplicate, 0) AS duplicate,
    COALESCE(p.contested, 0) AS contested,
    COALESCE(p.no_rule, 0) AS no_rule,
    CASE WHEN COALESCE(p.claims, 0) > 0 THEN (
      p.valid + p.no_rule
    ) / p.claims END AS match_rate,
    CAST(COALESCE(p.earned, 0) AS DECIMAL(18, 2)) AS earned,
    CAST(COALESCE(d.deductions, 0) AS DECIMAL(18, 2)) AS deductions,
    CAST(COALESCE(j.adjustments, 0) AS DECIMAL(18, 2)) AS adjustments
  FROM everyone AS e
  LEFT JOIN per_staff AS p
    USING (staff_id)
  LEFT JOIN profile AS f
    USING (staff_id)
  LEFT JOIN deductions AS d
    USING (staff_id)
  LEFT JOIN adjustments AS j
    USING (staff_id)
), ranked AS (
  SELECT
    *,
    CAST(earned - deductions + adjustments AS DECIMAL(18, 2)) AS net,
    ROW_NUMBER() OVER (
      ORDER BY earned - deductions + adjustments DESC, valid + no_rule DESC, staff_id NULLS LAST
    ) AS rank
  FROM base
), positive AS (
  SELECT
    COALESCE(SUM(CAST(net * 100 AS DECIMAL(38, 0))) FILTER(WHERE
      net > 0), 0) AS cents
  FROM ranked
), products AS (
  SELECT
    r.*,
    p.cents AS positive_cents,
    CASE
      WHEN r.net > 0 AND p.cents > 0
      THEN CAST(r.net * 100 AS DECIMAL(38, 0)) * 100000
    END AS product
  FROM ranked AS r, positive AS p
), shares AS (
  /* product // positive without integer division, which engines spell differently: */
  /* subtract the exact remainder, then divide (the quotient is a whole number ≤ B) */
  SELECT
    *,
    positive_cents > 100000 AS binding,
    product % positive_cents AS remainder,
    CAST(ROUND((
      product - product % positive_cents
    ) / positive_cents) AS BIGINT) AS floor_cents
  FROM products
), leftover AS (
  SELECT
    100000 - COALESCE(SUM(floor_cents), 0) AS cents
  FROM shares
), split AS (
  SELECT
    s.*,
    CASE
      WHEN s.net > 0
      AND ROW_NUMBER() OVER (ORDER BY s.remainder DESC, s.rank NULLS LAST) <= l.cents
      THEN 1
      ELSE 0
    END AS extra_cent
  FROM shares AS s, leftover AS l
)
SELECT
  staff_id,
  staff_name,
  store,
  region,
  department,
  claims,
  valid,
  invalid,
  duplicate,
  contested,
  no_rule,
  match_rate,
  earned,
  deductions,
  adjustments,
  net,
  CAST(CASE
    WHEN NOT binding
    THEN (
      CASE WHEN net > 0 THEN net ELSE 0 END
    )
    WHEN net > 0
    THEN CAST((
      floor_cents + extra_cent
    ) AS DECIMAL(18, 2)) / 100
    ELSE 0
  END AS DECIMAL(18, 2)) AS payout,
  rank
FROM split
ORDER BY
  rank NULLS LAST

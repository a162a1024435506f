WITH used AS (
  SELECT
    msisdn,
    channel,
    COUNT(*) AS uses,
    BIT_COUNT(
      BIT_OR(
        CAST(1 AS BIGINT) << CASE
          WHEN event_time < CAST('2022-10-01 00:00:00' AS TIMESTAMP)
          THEN 0
          WHEN event_time < CAST('2022-11-01 00:00:00' AS TIMESTAMP)
          THEN 1
          ELSE 2
        END
      )
    ) AS active_months
  FROM usage
  WHERE
    event_time >= CAST('2022-09-01 00:00:00' AS TIMESTAMP)
    AND event_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP)
    AND channel IN ('hotline', 'app', 'wechat', 'sms', 'web', 'ussd', 'self_service')
  GROUP BY
    msisdn,
    channel
), latent AS (
  SELECT DISTINCT
    msisdn,
    channel
  FROM signals
  WHERE
    month = '2022-11'
    AND value > 0
    AND channel IN ('hotline', 'app', 'wechat', 'sms', 'web', 'ussd', 'self_service')
), complained AS (
  SELECT
    msisdn,
    channel,
    COUNT(*) AS complaints
  FROM complaints
  WHERE
    complaint_time >= CAST('2022-09-01 00:00:00' AS TIMESTAMP)
    AND complaint_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP)
    AND NOT msisdn IS NULL
    AND channel IN ('hotline', 'app', 'wechat', 'sms', 'web', 'ussd', 'self_service')
  GROUP BY
    msisdn,
    channel
), parts AS (
  SELECT
    k.msisdn,
    k.channel,
    COALESCE(u.uses, 0) AS uses,
    COALESCE(u.active_months, 0) AS active_months,
    CAST(50 * LEAST(COALESCE(u.uses, 0), 10) / 10 AS DECIMAL(18, 4)) AS usage_score,
    CAST(CASE WHEN NOT l.msisdn IS NULL THEN 20 ELSE 0 END AS DECIMAL(18, 4)) AS latent_score,
    CAST(30 * COALESCE(u.active_months, 0) / 3 AS DECIMAL(18, 4)) AS frequency_bonus,
    CAST(20 * COALESCE(p.complaints, 0) AS DECIMAL(18, 4)) AS complaint_deduction
  FROM (
    SELECT
      msisdn,
      channel
    FROM used
    UNION
    SELECT
      msisdn,
      channel
    FROM latent
    UNION
    SELECT
      msisdn,
      channel
    FROM complained
  ) AS k
  LEFT JOIN used AS u
    ON u.msisdn = k.msisdn AND u.channel = k.channel
  LEFT JOIN latent AS l
    ON l.msisdn = k.msisdn AND l.channel = k.channel
  LEFT JOIN complained AS p
    ON p.msisdn = k.msisdn AND p.channel = k.channel
), scored AS (
  SELECT
    *,
    ROUND(
      GREATEST(0, LEAST(100, usage_score + latent_score + frequency_bonus - complaint_deduction)),
      1
    ) AS score
  FROM parts
)
SELECT
  msisdn,
  channel,
  uses,
  active_months,
  CAST(usage_score AS DOUBLE) AS usage_score,
  CAST(latent_score AS DOUBLE) AS latent_score,
  CAST(frequency_bonus AS DOUBLE) AS frequency_bonus,
  CAST(complaint_deduction AS DOUBLE) AS complaint_deduction,
  CAST(score AS DOUBLE) AS score,
  CASE WHEN score >= 60 THEN 'high' WHEN score >= 30 THEN 'medium' ELSE 'low' END AS tier
FROM scored

WITH _months AS (
  SELECT
    *
  FROM VALUES
    (
      '2022-10',
      CAST(CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '1' DAY AS DATE),
      '2022-09',
      CAST(CAST('2022-10-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '1' DAY AS DATE)
    ),
    (
      '2022-11',
      CAST(CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '1' DAY AS DATE),
      '2022-10',
      CAST(CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ) - INTERVAL '1' DAY AS DATE)
    ) AS m(month, month_end, base_month, base_end)
), _customers AS (
  SELECT
    msisdn,
    region,
    join_date,
    churn_date,
    brand,
    _valid_from,
    _valid_to
  FROM customers
), agg_orders AS (
  SELECT
    month,
    region,
    COUNT(CASE WHEN success AND (
      platform OR online
    ) THEN 1 END) AS m0,
    COUNT(CASE WHEN success THEN 1 END) AS m1,
    COUNT(CASE WHEN success AND platform THEN 1 END) AS m2,
    COUNT(CASE WHEN success AND outbound THEN 1 END) AS m6,
    COUNT(*) AS m7,
    COUNT(CASE WHEN success AND electronic THEN 1 END) AS m8
  FROM (
    SELECT
      *,
      status = 'success' AS success,
      NOT campaign_id IS NULL AS platform,
      channel IN (
        'outbound',
        'hotline',
        'app',
        'wechat',
        'sms',
        'web',
        'ussd',
        'internet',
        'partner_online'
      ) AS online,
      channel IN ('hotline', 'app', 'wechat', 'sms', 'web', 'ussd', 'self_service') AS electronic,
      channel = 'outbound' AS outbound
    FROM (
      SELECT
        CASE
          WHEN order_time < CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
          THEN '2022-10'
          WHEN order_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
          THEN '2022-11'
        END AS month,
        region,
        channel,
        product,
        campaign_id,
        msisdn,
        status,
        fee,
        fail_reason,
        conflict_product
      FROM orders
      WHERE
        order_time >= CAST('2022-10-01 00:00:00' AS TIMESTAMP_NTZ)
        AND order_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
    )
  ) AS s
  WHERE
    month IN ('2022-10', '2022-11')
  GROUP BY
    month,
    region
), agg_contacts AS (
  SELECT
    month,
    region,
    SUM(m3) AS m3,
    SUM(m4) AS m4,
    SUM(m5) AS m5
  FROM (
    SELECT
      month,
      region,
      msisdn,
      MAX(CASE WHEN (
        reached
      ) AND NOT msisdn IS NULL THEN 1 ELSE 0 END) AS m3,
      MAX(CASE WHEN (
        outbound AND reached
      ) AND NOT msisdn IS NULL THEN 1 ELSE 0 END) AS m4,
      MAX(CASE WHEN (
        outbound
      ) AND NOT msisdn IS NULL THEN 1 ELSE 0 END) AS m5
    FROM (
      SELECT
        *,
        channel IN (
          'outbound',
          'hotline',
          'app',
          'wechat',
          'sms',
          'web',
          'ussd',
          'internet',
          'partner_online'
        ) AS online,
        channel IN ('hotline', 'app', 'wechat', 'sms', 'web', 'ussd', 'self_service') AS electronic,
        channel = 'outbound' AS outbound
      FROM (
        SELECT
          CASE
            WHEN contact_time < CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
            THEN '2022-10'
            WHEN contact_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
            THEN '2022-11'
          END AS month,
          region,
          touchpoint AS channel,
          product,
          campaign_id,
          wave,
          msisdn,
          reached
        FROM contacts
        WHERE
          contact_time >= CAST('2022-10-01 00:00:00' AS TIMESTAMP_NTZ)
          AND contact_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
      )
    ) AS s
    WHERE
      month IN ('2022-10', '2022-11')
    GROUP BY
      month,
      region,
      msisdn
  ) AS u
  GROUP BY
    month,
    region
), agg_usage AS (
  SELECT
    month,
    region,
    SUM(m9) AS m9
  FROM (
    SELECT
      month,
      region,
      msisdn,
      MAX(CASE WHEN (
        electronic AND active
      ) AND NOT msisdn IS NULL THEN 1 ELSE 0 END) AS m9
    FROM (
      SELECT
        u.*,
        NOT a.msisdn IS NULL AS active
      FROM (
        SELECT
          *,
          channel IN (
            'outbound',
            'hotline',
            'app',
            'wechat',
            'sms',
            'web',
            'ussd',
            'internet',
            'partner_online'
          ) AS online,
          channel IN ('hotline', 'app', 'wechat', 'sms', 'web', 'ussd', 'self_service') AS electronic,
          channel = 'outbound' AS outbound
        FROM (
          SELECT
            CASE
              WHEN event_time < CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
              THEN '2022-10'
              WHEN event_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
              THEN '2022-11'
            END AS month,
            (
              SELECT
                region
              FROM _customers AS c
              WHERE
                c.msisdn = e.msisdn AND c._valid_to IS NULL
            ) AS region,
            channel,
            msisdn,
            action
          FROM usage AS e
          WHERE
            event_time >= CAST('2022-10-01 00:00:00' AS TIMESTAMP_NTZ)
            AND event_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
        )
      ) AS u
      LEFT JOIN (
        SELECT
          m.month,
          c.msisdn
        FROM _months AS m
        JOIN _customers AS c
          ON (
            c._valid_from IS NULL OR c._valid_from <= m.month_end
          )
          AND (
            c._valid_to IS NULL OR c._valid_to > m.month_end
          )
          AND c.join_date <= m.month_end
          AND (
            c.churn_date IS NULL OR c.churn_date > m.month_end
          )
      ) AS a
        ON a.month = u.month AND a.msisdn = u.msisdn
    ) AS s
    WHERE
      month IN ('2022-10', '2022-11')
    GROUP BY
      month,
      region,
      msisdn
  ) AS u
  GROUP BY
    month,
    region
), agg_customers AS (
  SELECT
    month,
    region,
    SUM(m10) AS m10
  FROM (
    SELECT
      month,
      region,
      msisdn,
      MAX(CASE WHEN (
        TRUE
      ) AND NOT msisdn IS NULL THEN 1 ELSE 0 END) AS m10
    FROM (
      SELECT
        m.month,
        c.region,
        c.msisdn,
        c.brand
      FROM _months AS m
      JOIN _customers AS c
        ON (
          c._valid_from IS NULL OR c._valid_from <= m.month_end
        )
        AND (
          c._valid_to IS NULL OR c._valid_to > m.month_end
        )
        AND c.join_date <= m.month_end
        AND (
          c.churn_date IS NULL OR c.churn_date > m.month_end
        )
    ) AS s
    WHERE
      month IN ('2022-10', '2022-11')
    GROUP BY
      month,
      region,
      msisdn
  ) AS u
  GROUP BY
    month,
    region
), agg_complaints AS (
  SELECT
    month,
    region,
    COUNT(*) AS m11
  FROM (
    SELECT
      CASE
        WHEN complaint_time < CAST('2022-11-01 00:00:00' AS TIMESTAMP_NTZ)
        THEN '2022-10'
        WHEN complaint_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
        THEN '2022-11'
      END AS month,
      (
        SELECT
          region
        FROM _customers AS c
        WHERE
          c.msisdn = e.msisdn AND c._valid_to IS NULL
      ) AS region,
      channel,
      msisdn,
      category,
      staff_id
    FROM complaints AS e
    WHERE
      complaint_time >= CAST('2022-10-01 00:00:00' AS TIMESTAMP_NTZ)
      AND complaint_time < CAST('2022-12-01 00:00:00' AS TIMESTAMP_NTZ)
  ) AS s
  WHERE
    month IN ('2022-10', '2022-11')
  GROUP BY
    month,
    region
), agg_retention AS (
  SELECT
    month,
    region,
    COUNT(CASE WHEN retained THEN 1 END) AS m12,
    COUNT(*) AS m13,
    SUM(CASE WHEN TRUE THEN revenue END) AS m14,
    SUM(CASE WHEN TRUE THEN base_revenue END) AS m15
  FROM (
    SELECT
      m.month,
      c.region,
      c.msisdn,
      (
        NOT n.msisdn IS NULL AND (
          n.churn_date IS NULL OR n.churn_date > m.month_end
        )
      ) AS retained,
      COALESCE(cur.revenue, 0) AS revenue,
      COALESCE(base.revenue, 0) AS base_revenue
    FROM _months AS m
    JOIN _customers AS c
      ON (
        c._valid_from IS NULL OR c._valid_from <= m.base_end
      )
      AND (
        c._valid_to IS NULL OR c._valid_to > m.base_end
      )
      AND c.join_date <= m.base_end
      AND (
        c.churn_date IS NULL OR c.churn_date > m.base_end
      )
    LEFT JOIN _customers AS n
      ON n.msisdn = c.msisdn
      AND (
        n._valid_from IS NULL OR n._valid_from <= m.month_end
      )
      AND (
        n._valid_to IS NULL OR n._valid_to > m.month_end
      )
    LEFT JOIN (
      SELECT
        month,
        msisdn,
        SUM(revenue) AS revenue
      FROM billing
      WHERE
        month IN ('2022-09', '2022-10', '2022-11')
      GROUP BY
        month,
        msisdn
    ) AS cur
      ON cur.msisdn = c.msisdn AND cur.month = m.month
    LEFT JOIN (
      SELECT
        month,
        msisdn,
        SUM(revenue) AS revenue
      FROM billing
      WHERE
        month IN ('2022-09', '2022-10', '2022-11')
      GROUP BY
        month,
        msisdn
    ) AS base
      ON base.msisdn = c.msisdn AND base.month = m.base_month
  ) AS s
  WHERE
    month IN ('2022-10', '2022-11')
  GROUP BY
    month,
    region
), _keys AS (
  SELECT
    month,
    region
  FROM agg_orders
  UNION
  SELECT
    month,
    region
  FROM agg_contacts
  UNION
  SELECT
    month,
    region
  FROM agg_usage
  UNION
  SELECT
    month,
    region
  FROM agg_customers
  UNION
  SELECT
    month,
    region
  FROM agg_complaints
  UNION
  SELECT
    month,
    region
  FROM agg_retention
), _present AS (
  SELECT
    *,
    has_orders OR has_contacts OR has_usage OR has_complaints OR has_billing AS has_data
  FROM (
    SELECT
      '2022-10' AS month,
      TRUE AS has_orders,
      TRUE AS has_contacts,
      TRUE AS has_usage,
      TRUE AS has_complaints,
      TRUE AS has_billing,
      TRUE AS base_has_billing,
      TRUE AS customers_cover
    UNION ALL
    SELECT
      '2022-11' AS month,
      TRUE AS has_orders,
      TRUE AS has_contacts,
      TRUE AS has_usage,
      TRUE AS has_complaints,
      TRUE AS has_billing,
      TRUE AS base_has_billing,
      TRUE AS customers_cover
  ) AS p
), _res AS (
  SELECT
    k.month,
    k.region,
    CASE
      WHEN COALESCE(agg_orders.m1, 0) = 0 OR NOT COALESCE(pr.has_orders, FALSE)
      THEN NULL
      ELSE 1.0 * CAST(COALESCE(agg_orders.m0, 0) AS DOUBLE) / COALESCE(agg_orders.m1, 0)
    END AS online_share,
    COALESCE(agg_orders.m0, 0) AS online_share_num,
    COALESCE(agg_orders.m1, 0) AS online_share_den,
    CASE
      WHEN COALESCE(agg_contacts.m3, 0) = 0
      OR NOT COALESCE(pr.has_orders AND pr.has_contacts, FALSE)
      THEN NULL
      ELSE 1.0 * CAST(COALESCE(agg_orders.m2, 0) AS DOUBLE) / COALESCE(agg_contacts.m3, 0)
    END AS platform_success_rate,
    COALESCE(agg_orders.m2, 0) AS platform_success_rate_num,
    COALESCE(agg_contacts.m3, 0) AS platform_success_rate_den,
    CASE
      WHEN COALESCE(agg_contacts.m5, 0) = 0 OR NOT COALESCE(pr.has_contacts, FALSE)
      THEN NULL
      ELSE 1.0 * CAST(COALESCE(agg_contacts.m4, 0) AS DOUBLE) / COALESCE(agg_contacts.m5, 0)
    END AS outbound_connect_rate,
    COALESCE(agg_contacts.m4, 0) AS outbound_connect_rate_num,
    COALESCE(agg_contacts.m5, 0) AS outbound_connect_rate_den,
    CASE
      WHEN COALESCE(agg_contacts.m4, 0) = 0
      OR NOT COALESCE(pr.has_orders AND pr.has_contacts, FALSE)
      THEN NULL
      ELSE 1.0 * CAST(COALESCE(agg_orders.m6, 0) AS DOUBLE) / COALESCE(agg_contacts.m4, 0)
    END AS outbound_success_rate,
    COALESCE(agg_orders.m6, 0) AS outbound_success_rate_num,
    COALESCE(agg_contacts.m4, 0) AS outbound_success_rate_den,
    CASE
      WHEN COALESCE(agg_orders.m7, 0) = 0 OR NOT COALESCE(pr.has_orders, FALSE)
      THEN NULL
      ELSE 1.0 * CAST(COALESCE(agg_orders.m1, 0) AS DOUBLE) / COALESCE(agg_orders.m7, 0)
    END AS order_success_rate,
    COALESCE(agg_orders.m1, 0) AS order_success_rate_num,
    COALESCE(agg_orders.m7, 0) AS order_success_rate_den,
    CASE
      WHEN COALESCE(agg_orders.m1, 0) = 0 OR NOT COALESCE(pr.has_orders, FALSE)
      THEN NULL
      ELSE 1.0 * CAST(COALESCE(agg_orders.m8, 0) AS DOUBLE) / COALESCE(agg_orders.m1, 0)
    END AS e_channel_share,
    COALESCE(agg_orders.m8, 0) AS e_channel_share_num,
    COALESCE(agg_orders.m1, 0) AS e_channel_share_den,
    CASE
      WHEN CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_customers.m10, 0)
      END = 0
      OR NOT COALESCE(
        (
          pr.has_usage AND pr.customers_cover
        )
        AND (
          pr.has_data AND pr.customers_cover
        ),
        FALSE
      )
      THEN NULL
      ELSE 1.0 * CAST(CASE WHEN COALESCE(pr.customers_cover, TRUE) THEN COALESCE(agg_usage.m9, 0) END AS DOUBLE) / CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_customers.m10, 0)
      END
    END AS e_channel_penetration,
    CASE WHEN COALESCE(pr.customers_cover, TRUE) THEN COALESCE(agg_usage.m9, 0) END AS e_channel_penetration_num,
    CASE
      WHEN COALESCE(pr.customers_cover, TRUE)
      THEN COALESCE(agg_customers.m10, 0)
    END AS e_channel_penetration_den,
    CASE
      WHEN CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_customers.m10, 0)
      END = 0
      OR NOT COALESCE(pr.has_complaints AND (
        pr.has_data AND pr.customers_cover
      ), FALSE)
      THEN NULL
      ELSE 1000000 * CAST(COALESCE(agg_complaints.m11, 0) AS DOUBLE) / CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_customers.m10, 0)
      END
    END AS complaint_rate_per_million,
    COALESCE(agg_complaints.m11, 0) AS complaint_rate_per_million_num,
    CASE
      WHEN COALESCE(pr.customers_cover, TRUE)
      THEN COALESCE(agg_customers.m10, 0)
    END AS complaint_rate_per_million_den,
    CASE
      WHEN CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_retention.m13, 0)
      END = 0
      OR NOT COALESCE((
        pr.has_data AND pr.customers_cover
      ), FALSE)
      THEN NULL
      ELSE 1.0 * CAST(CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_retention.m12, 0)
      END AS DOUBLE) / CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_retention.m13, 0)
      END
    END AS user_retention,
    CASE
      WHEN COALESCE(pr.customers_cover, TRUE)
      THEN COALESCE(agg_retention.m12, 0)
    END AS user_retention_num,
    CASE
      WHEN COALESCE(pr.customers_cover, TRUE)
      THEN COALESCE(agg_retention.m13, 0)
    END AS user_retention_den,
    CASE
      WHEN CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_retention.m15, 0)
      END = 0
      OR NOT COALESCE(
        (
          (
            pr.has_billing AND pr.base_has_billing
          ) AND pr.customers_cover
        ),
        FALSE
      )
      THEN NULL
      ELSE 1.0 * CAST(CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_retention.m14, 0)
      END AS DOUBLE) / CASE
        WHEN COALESCE(pr.customers_cover, TRUE)
        THEN COALESCE(agg_retention.m15, 0)
      END
    END AS revenue_retention,
    CASE
      WHEN COALESCE(pr.customers_cover, TRUE)
      THEN COALESCE(agg_retention.m14, 0)
    END AS revenue_retention_num,
    CASE
      WHEN COALESCE(pr.customers_cover, TRUE)
      THEN COALESCE(agg_retention.m15, 0)
    END AS revenue_retention_den
  FROM _keys AS k
  LEFT JOIN agg_orders
    ON k.month = agg_orders.month AND k.region IS NOT DISTINCT FROM agg_orders.region
  LEFT JOIN agg_contacts
    ON k.month = agg_contacts.month
    AND k.region IS NOT DISTINCT FROM agg_contacts.region
  LEFT JOIN agg_usage
    ON k.month = agg_usage.month AND k.region IS NOT DISTINCT FROM agg_usage.region
  LEFT JOIN agg_customers
    ON k.month = agg_customers.month
    AND k.region IS NOT DISTINCT FROM agg_customers.region
  LEFT JOIN agg_complaints
    ON k.month = agg_complaints.month
    AND k.region IS NOT DISTINCT FROM agg_complaints.region
  LEFT JOIN agg_retention
    ON k.month = agg_retention.month
    AND k.region IS NOT DISTINCT FROM agg_retention.region
  LEFT JOIN _present AS pr
    ON pr.month = k.month
), _cmp AS (
  SELECT
    *
  FROM VALUES
    ('2022-11', '2022-10') AS t(month, compare_month)
)
SELECT
  r.*,
  c.compare_month,
  p.online_share AS online_share_prev,
  r.online_share - p.online_share AS online_share_change,
  p.platform_success_rate AS platform_success_rate_prev,
  r.platform_success_rate - p.platform_success_rate AS platform_success_rate_change,
  p.outbound_connect_rate AS outbound_connect_rate_prev,
  r.outbound_connect_rate - p.outbound_connect_rate AS outbound_connect_rate_change,
  p.outbound_success_rate AS outbound_success_rate_prev,
  r.outbound_success_rate - p.outbound_success_rate AS outbound_success_rate_change,
  p.order_success_rate AS order_success_rate_prev,
  r.order_success_rate - p.order_success_rate AS order_success_rate_change,
  p.e_channel_share AS e_channel_share_prev,
  r.e_channel_share - p.e_channel_share AS e_channel_share_change,
  p.e_channel_penetration AS e_channel_penetration_prev,
  r.e_channel_penetration - p.e_channel_penetration AS e_channel_penetration_change,
  p.complaint_rate_per_million AS complaint_rate_per_million_prev,
  r.complaint_rate_per_million - p.complaint_rate_per_million AS complaint_rate_per_million_change,
  p.user_retention AS user_retention_prev,
  r.user_retention - p.user_retention AS user_retention_change,
  p.revenue_retention AS revenue_retention_prev,
  r.revenue_retention - p.revenue_retention AS revenue_retention_change
FROM _res AS r
JOIN _cmp AS c
  ON c.month = r.month
LEFT JOIN _res AS p
  ON p.month = c.compare_month AND p.region IS NOT DISTINCT FROM r.region
ORDER BY
  r.month NULLS LAST,
  CASE r.region
    WHEN '呼和浩特'
    THEN 0
    WHEN '包头'
    THEN 1
    WHEN '呼伦贝尔'
    THEN 2
    WHEN '兴安盟'
    THEN 3
    WHEN '通辽'
    THEN 4
    WHEN '赤峰'
    THEN 5
    WHEN '锡林郭勒盟'
    THEN 6
    WHEN '乌兰察布'
    THEN 7
    WHEN '鄂尔多斯'
    THEN 8
    WHEN '巴彦淖尔'
    THEN 9
    WHEN '乌海'
    THEN 10
    WHEN '阿拉善盟'
    THEN 11
    ELSE 12
  END NULLS LAST,
  r.region NULLS LAST

"""Analyses beyond the KPI catalog: campaign funnel, touchpoint quotas, failure analysis,
retention, lifecycle stages and channel preference."""

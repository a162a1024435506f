"""The embedded DuckDB warehouse: opening it (warehouse), what it holds (inventory,
coverage) and writing it out as Parquet for Spark (export)."""

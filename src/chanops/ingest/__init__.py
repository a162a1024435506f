"""From extract files to warehouse tables (the data contract they load into is
chanops.schema): reading files (readers), normalizing values (normalize), the transactional load (loader), and the
synthetic province for demos and tests (sample)."""

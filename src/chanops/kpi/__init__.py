"""Channel KPIs (SPEC §4): declared as data (catalog), measured over fact views (facts),
compiled into one statement (compile), evaluated for a request (evaluate) and laid out
for people (view)."""

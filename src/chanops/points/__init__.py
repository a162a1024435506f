"""Points reconciliation of staff claims against billing (新业务积分写实): reconcile.py judges
claims and builds statements; runs.py records runs and adjustments."""

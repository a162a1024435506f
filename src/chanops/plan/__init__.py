"""Campaign planning (SPEC §12): target lists checked and dispatched before anyone is contacted."""

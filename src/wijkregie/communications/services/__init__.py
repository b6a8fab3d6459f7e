"""Every write of the communications app, one module per area."""

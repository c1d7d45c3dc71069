"""The staff dashboard: what needs attention, and the audit trail."""

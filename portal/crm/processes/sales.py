"""Service functions of the sales and complaint processes (lead_to_cash, order_change, complaint)."""

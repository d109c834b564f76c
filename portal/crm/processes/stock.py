"""Service functions of the after-sales and stock processes (return_visit, vehicle_acquisition, vehicle_transfer)."""

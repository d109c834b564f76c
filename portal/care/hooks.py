"""What makes the care app send: the CRM's signals (a booking made, an order's status changed, a
reminder rule's decision) connect here; the CRM never imports this app."""


def connect() -> None:
    from . import triggers  # noqa: F401 - connects its receivers

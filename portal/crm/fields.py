"""The fields of customers and vehicles that people edit: the forms, the API and the services take these,
and the change history tracks them (with the fields that only services move)."""

CUSTOMER_FIELDS = [
    "name",
    "gender",
    "birthday",
    "email",
    "wechat_id",
    "address",
    "id_number",
    "source",
    "sub_channel",
    "intent_level",
    "vehicle_type",
    "brands",
    "budget_min",
    "budget_max",
    "use",
    "expected_purchase_by",
]

VEHICLE_FIELDS = [
    "vin",
    "engine_number",
    "plate",
    "brand",
    "model",
    "vehicle_type",
    "year",
    "colour",
    "mileage",
    "first_registration",
    "configuration",
    "purchase_price",
    "asking_price",
]

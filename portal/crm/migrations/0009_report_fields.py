"""The fields the reports need (docs/reports.md): a complaint's acknowledged and resolved times and cause,
an appointment's booking time, a car's arrival in its current store.

A car's arrival is filled from its history (the last store change, which a transfer's arrival records),
else the day it was recorded. Complaint status moves and bookings left no history, so those stay empty
for the records made before: the reports count what is recorded and say so. The times default to now
for new records only after the fill (a default on the added column would stamp every old row)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def arrivals(apps, schema_editor):
    Vehicle = apps.get_model("crm", "Vehicle")
    ChangeRecord = apps.get_model("crm", "ChangeRecord")
    moved = ChangeRecord.objects.filter(entity="vehicle", field="store", entity_id=OuterRef("pk")).order_by("-at")
    Vehicle.objects.update(arrived_at=Coalesce(Subquery(moved.values("at")[:1]), F("created_at")))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0008_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="booked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="complaint",
            name="acknowledged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="complaint",
            name="cause",
            field=models.CharField(
                blank=True,
                choices=[
                    ("car_condition", "Car condition not as described"),
                    ("preparation", "Inspection or preparation missed"),
                    ("promise", "Promise not kept"),
                    ("delay", "Delay by the store"),
                    ("paperwork", "Paperwork or procedure error"),
                    ("staff_conduct", "Staff conduct"),
                    ("pricing", "Price or fees"),
                    ("third_party", "Third party (bank, insurer, supplier)"),
                    ("no_fault", "No fault of the store"),
                    ("other", "Other"),
                ],
                db_default="",
                default="",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="vehicle",
            name="arrived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(arrivals, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="booked_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
        migrations.AlterField(
            model_name="vehicle",
            name="arrived_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
    ]

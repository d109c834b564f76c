"""Joins two migrations written side by side: the reports' recorded times and the encryption of personal data."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_encrypt_personal_data"),
        ("crm", "0009_report_fields"),
    ]

    operations = []

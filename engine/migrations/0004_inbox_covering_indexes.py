"""The inbox's open-items indexes cover its counts and sorting (the new ones are built before the old go)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0003_rule_fact_records"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False), ("status", "open")),
                fields=["assignee", "kind", "process_id", "due_at", "priority", "id", "status"],
                name="workitem_open_mine",
            ),
        ),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True), ("status", "open")),
                fields=[
                    "role",
                    "store_id",
                    "kind",
                    "process_id",
                    "due_at",
                    "priority",
                    "id",
                    "excluded",
                    "subject_ref",
                    "subject_label",
                    "status",
                    "assignee",
                ],
                name="workitem_open_claimable",
            ),
        ),
        migrations.RemoveIndex(
            model_name="workitem",
            name="workitem_open_assignee",
        ),
        migrations.RemoveIndex(
            model_name="workitem",
            name="workitem_open_queue",
        ),
    ]

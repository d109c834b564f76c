from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_pooled_at(apps, schema_editor):
    """A prospect already in the pool entered it when its owner was last taken away (released, reclaimed,
    handed over: the history's last owner change to nobody), else when it arrived without one."""
    Customer = apps.get_model("crm", "Customer")
    ChangeRecord = apps.get_model("crm", "ChangeRecord")
    left = (
        ChangeRecord.objects.filter(entity="customer", entity_id=OuterRef("pk"), field="owner", new_value="")
        .values("entity_id")
        .annotate(last=Max("at"))
        .values("last")
    )
    Customer.objects.filter(owner__isnull=True, pooled_at__isnull=True).update(
        pooled_at=Coalesce(Subquery(left), "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_personal_data_read"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="pooled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_pooled_at, migrations.RunPython.noop),
    ]

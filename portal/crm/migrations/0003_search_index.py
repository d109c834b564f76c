import django.db.models.deletion
from django.db import migrations, models


def index_existing_customers(apps, schema_editor):
    """Fill the index for the customers already there (the same terms portal.crm.search keeps)."""
    from portal.crm.search import customer_terms

    Customer = apps.get_model("crm", "Customer")
    CustomerPhone = apps.get_model("crm", "CustomerPhone")
    Vehicle = apps.get_model("crm", "Vehicle")
    SearchTerm = apps.get_model("crm", "SearchTerm")
    last = 0
    while True:
        rows = list(Customer.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "name", "brands")[:2000])
        if not rows:
            return
        ids = [pk for pk, _, _ in rows]
        cars: dict[int, list[tuple[str, str, str]]] = {pk: [] for pk in ids}
        for customer_id, brand, model, plate in Vehicle.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "brand", "model", "plate"
        ):
            cars[customer_id].append((brand, model, plate))
        last4s: dict[int, list[str]] = {pk: [] for pk in ids}
        for customer_id, last4 in CustomerPhone.objects.filter(customer_id__in=ids).values_list("customer_id", "last4"):
            last4s[customer_id].append(last4)
        SearchTerm.objects.bulk_create(
            [
                SearchTerm(customer_id=pk, term=term)
                for pk, name, brands in rows
                for term in sorted(customer_terms(name, brands, cars[pk], last4s[pk]))
            ],
            batch_size=1000,
        )
        last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_staff_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=40)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="search_terms", to="crm.customer"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("term", "customer"), name="searchterm_term_customer_uniq")
                ],
            },
        ),
        migrations.RunPython(index_existing_customers, migrations.RunPython.noop),
    ]

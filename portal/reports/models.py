"""Daily figures kept beside the records, where counting the records on each request is too slow.

Only communications need it: a month of a dealer group's notes is some 200,000 rows, and counting them per
store means joining each to its customer. ``CommunicationDay`` holds, per day (the group's time zone), the
customer's home store and the author, how many notes were written; ``portal.reports.daily`` keeps it in step
with every save and delete of a note and every change of a customer's home store, and rebuilds it whole
(``manage.py reports_rebuild``) after writes that go around the models (bulk loads, raw SQL).
``WorkedMonth`` does the same for the scorecards' distinct customers each salesperson worked per month.
"""

from django.db import models


class CommunicationDay(models.Model):
    day = models.DateField()
    store_id = models.BigIntegerField()
    author_id = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "store_id", "author_id"], name="communicationday_unique"),
        ]
        indexes = [models.Index(fields=["day", "store_id", "author_id", "count"], name="communicationday_day_idx")]


class WorkedMonth(models.Model):
    """One salesperson worked one customer in one month: how many notes they wrote about them then.

    The scorecards' *prospects worked* (distinct customers a person wrote a note about) is the number of
    these rows with notes in a month, per author, in the customer's home store: counting rows instead of
    joining a month's notes to their customers. Kept with ``CommunicationDay`` by ``portal.reports.daily``.
    A row whose notes all went stays at 0 (a rebuild drops it) so two notes saved at once never race a
    delete."""

    month = models.DateField()  # the first day of the month, in the group's time zone
    store_id = models.BigIntegerField()  # the customer's home store
    author_id = models.IntegerField()
    customer_id = models.BigIntegerField()
    notes = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "author_id", "customer_id"], name="workedmonth_unique"),
        ]
        indexes = [
            models.Index(
                fields=["month", "store_id", "author_id", "customer_id", "notes"], name="workedmonth_month_idx"
            ),
            models.Index(fields=["customer_id"], name="workedmonth_customer_idx"),
        ]


class WorkedCount(models.Model):
    """How many customers one salesperson worked in one month, per the customers' home store: the number
    of their ``WorkedMonth`` rows with notes there, kept with them (``portal.reports.daily``), so the
    scorecards' *prospects worked* of a month is one small row per person instead of a count of a month's
    rows of ``WorkedMonth`` (some 160,000 for a dealer group)."""

    month = models.DateField()
    store_id = models.BigIntegerField()
    author_id = models.IntegerField()
    customers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "store_id", "author_id"], name="workedcount_unique"),
        ]
        indexes = [models.Index(fields=["month", "store_id", "author_id", "customers"], name="workedcount_month_idx")]

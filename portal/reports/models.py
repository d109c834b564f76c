"""Daily figures kept beside the records, where counting the records on each request is too slow.

Only communications need it: a month of a dealer group's notes is some 200,000 rows, and counting them per
store means joining each to its customer. ``CommunicationDay`` holds, per day (the group's time zone), the
customer's home store and the author, how many notes were written; ``portal.reports.daily`` keeps it in step
with every save and delete of a note and every change of a customer's home store, and rebuilds it whole
(``manage.py reports_rebuild``) after writes that go around the models (bulk loads, raw SQL).
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

"""The search index: the terms each customer is found by (see portal.crm.search)."""

from django.db import models

from .customers import Customer


class SearchTerm(models.Model):
    """One term a customer is found by: a character or character pair of their name or of a
    car's Chinese name, a pinyin or English word (and its first letters), a plate's 4-gram.

    Kept by portal.crm.search in the transaction that changes the customer or their cars;
    ``manage.py search_reindex`` rebuilds it. The (term, customer) index answers a term
    with its customers newest first, so a page of results is read without a scan.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "customer"], name="searchterm_term_customer_uniq"),
        ]

    def __str__(self) -> str:
        return self.term

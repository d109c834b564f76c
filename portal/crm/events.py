"""What the CRM tells the layers above it when rows change without a model save (a bulk UPDATE sends no
post_save): they subscribe; the CRM never imports them."""

from django.dispatch import Signal

# A customer's home store changed by a direct UPDATE: sent with customer_id, old_store and new_store (ids),
# after the update, in its transaction. portal.reports moves the customer's daily figures with them.
customer_moved = Signal()

# A reminders rule decided on an action other than ``remind`` (``send_message``, offered by
# portal.care): sent with ``action``, ``params`` and ``thing`` (kind, record, due, customer, store,
# car), unless the sweep is a preview. The layer that offers the action queues what it names.
reminder_decided = Signal()

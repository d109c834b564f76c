"""Celery's Redis transport with one guard, so that a worker survives Redis going away (issue 23, faults).

Settings name it as ``CELERY_BROKER_TRANSPORT`` for a ``redis://`` broker; it is kombu's own transport but for
the close of a channel whose connection has been released.

What it guards against (kombu 5.7 with celery 5.7): when the connection to Redis drops, celery's consumer first
collects the broken connection, which releases its transport (``transport.client = None``), and then closes it.
If a BRPOP was waiting for a task when Redis went away, the collect could not close the task channel (its
close reads the pending reply first, from a dead socket, and fails with a connection error), so the close that
follows closes it. That close restores the channel's unacknowledged messages through a new connection pool,
whose settings it reads from the released client: ``AttributeError`` on None, which celery does not count as a
connection error, and the worker process exits instead of reconnecting. kombu 5.7.0 is the newest release and
does it; celery's own settings (retries, cancelling long-running tasks on connection loss) do not reach it.

The guard: a channel whose transport was released does not try to restore. Its unacknowledged messages stay in
Redis's unacked hash, as they do when the restore is tried and fails because Redis is down (the usual case at
that moment), and go back to the queue after the visibility timeout (kombu's ``restore_visible``): nothing is
lost, and the worker goes on to reconnect. Our tasks are safe to run twice (workers/tasks.py).
"""

import logging

from kombu.transport import redis

logger = logging.getLogger(__name__)


class Channel(redis.Channel):
    def close(self) -> None:
        transport = self.connection
        if transport is not None and transport.client is None and not self.closed:
            # Released: no broker to restore to through this channel (see above).
            self.do_restore = False
            unacked = len(getattr(self._qos, "_delivered", None) or ())
            if unacked:
                logger.warning(
                    "broker connection released before its channel closed: %d unacknowledged message(s) return "
                    "to the queue after the visibility timeout",
                    unacked,
                )
        super().close()


class Transport(redis.Transport):
    Channel = Channel

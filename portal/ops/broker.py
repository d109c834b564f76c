"""Celery's Redis transport with one guard, so that a worker rides out Redis going away (issue 23, faults).

Settings name it as ``CELERY_BROKER_TRANSPORT`` for a ``redis://`` broker; it is kombu's own transport but for
what happens to the unacknowledged messages of a connection that was lost.

kombu restores a channel's unacknowledged messages (back to the queue) when the channel closes. When the
connection to Redis drops, celery's consumer closes it while Redis is away, so that restore fails and the
messages wait in Redis's unacked hash for the visibility timeout (an hour by default): a task received but not
yet started is done an hour late. Worse, with kombu 5.7 and celery 5.7, now and then the worker process ends:
celery first collects the broken connection, which releases its transport (``transport.client = None``), then
closes it; if a BRPOP was waiting when Redis went away, the collect could not close the task channel (its close
reads the pending reply from the dead socket first), so the later close restores through a new connection pool
whose settings it reads from the released client: ``AttributeError`` on None, which celery does not count as a
connection error. kombu 5.7.0 is the newest release; celery's settings (retries, cancelling long-running tasks
on connection loss) do not reach this code.

The guard: a restore that cannot reach Redis (the transport released, or a connection error) keeps the
messages' delivery tags in this process instead of failing, and so does a delivery that Redis left half done
(gone while the message moved to the unacked hash: the message may be there, or only in this process); the next
channel this process opens, once Redis answers again, puts them back on their queues in one transaction each (a
message already acknowledged or restored meanwhile is left alone). That is what kombu's restore at close would
have done had Redis been there; a task that had finished but could not be acknowledged (its ack, on a released
connection, is a connection error that celery logs) runs again and finds nothing to do (workers/tasks.py).
"""

import logging
from typing import Any

from kombu.transport import redis
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import loads
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

# Messages of this process that a lost connection could not put back: delivery tag -> [payload, exchange,
# routing key] when Redis went away while the message was being moved to the unacked hash (it may be there, or
# only here), else None (it is in the unacked hash). One consumer per worker process, on its main thread.
_unrestored: dict[str, list | None] = {}


class QoS(redis.QoS):
    def _released(self) -> bool:
        transport = self.channel.connection
        return transport is None or transport.client is None

    def append(self, message: Any, delivery_tag: str) -> None:
        try:
            super().append(message, delivery_tag)
        except self.channel.connection_errors:
            delivery = message.delivery_info
            _unrestored[delivery_tag] = [message._raw, delivery["exchange"], delivery["routing_key"]]
            raise

    def ack(self, delivery_tag: str) -> None:
        # A task that ends after its connection was released (it ran while Redis was away): its message was kept
        # (below) and goes back on the queue; the ack is a connection error, which celery logs, not a crash.
        if self._released():
            raise RedisConnectionError("the connection this message came on was released")
        super().ack(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        if self._released():
            raise RedisConnectionError("the connection this message came on was released")
        super().reject(delivery_tag, requeue)

    def restore_unacked(self, client: Any = None) -> None:
        tags = list(self._delivered)
        if self._released():  # no broker to restore to (see above)
            self._keep(tags)
            return
        try:
            super().restore_unacked(client)
        except self.channel.connection_errors:
            self._keep(tags)

    def _keep(self, tags: list[str]) -> None:
        if tags:
            logger.warning("broker unreachable: %d unacknowledged message(s) go back once it answers", len(tags))
        for tag in tags:
            _unrestored.setdefault(tag, None)
        self._delivered.clear()


class Channel(redis.Channel):
    QoS = QoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # connected: it pings Redis
        restored = 0
        for tag, kept in list(_unrestored.items()):
            try:
                self._requeue(tag, kept)
            except self.connection_errors:
                break  # the next channel tries again
            del _unrestored[tag]
            restored += 1
        if restored:
            logger.warning(
                "broker answers again: %d message(s) a lost connection left unacknowledged requeued", restored
            )

    def _requeue(self, tag: str, kept: list | None) -> None:
        """Put a message back on its queue, from the unacked hash if it is there, else from what this process
        kept (nothing if neither: it was acknowledged or restored meanwhile), in one transaction."""
        qos = self.qos

        def move(pipe: Any) -> None:
            found = pipe.hget(qos.unacked_key, tag)
            pipe.multi()
            pipe.zrem(qos.unacked_index_key, tag).hdel(qos.unacked_key, tag)
            message = loads(bytes_to_str(found)) if found else kept
            if message:
                payload, exchange, routing_key = message
                self._do_restore_message(payload, exchange, routing_key, pipe)

        with self.conn_or_acquire() as client:
            client.transaction(move, qos.unacked_key)


class Transport(redis.Transport):
    Channel = Channel

"""Delivery in a real forking RQ worker (production runs `flask --app bot worker`, which forks a
work horse per job). Each horse inherits the parent's pooled database connections; unless they are
dropped in the child, two horses use one server connection and psycopg's automatically prepared
statements clash (DuplicatePreparedStatement "_pg3_0") — found by bench/fanout.py."""
from rq import Queue, Worker

from bot import db, outbox
from jobs import QUEUE_NAME, connection
from models.outbox import SENT, OutboxMessage


def test_two_jobs_in_forked_work_horses_deliver_everything(bot):
    for batch in range(2):  # two commits: two delivery jobs, so two work horses
        with db.transaction() as session:
            for i in range(12):  # distinct texts: the per-group statements run more than 5 times
                outbox.push_text(session, "jy_zhang", f"第{batch}批第{i}条")
    with db.transaction() as session:  # the parent holds a pooled connection, as the worker does
        session.get(OutboxMessage, 1)
    worker = Worker([Queue(QUEUE_NAME, connection=connection())], connection=connection())
    worker.work(burst=True)
    with db.transaction() as session:
        statuses = [m.status for m in session.query(OutboxMessage)]
    assert statuses == [SENT] * 24
    assert len(bot.fake.messages_to("jy_zhang")) == 24

"""Personal data after a representative set of conversations (a phone number typed in a field included):
not in captured logs, not in any RQ job's arguments, and not in failed-job records (a delivery job made to
fail: WeCom answering 200 with an HTML page, as a misbehaving proxy would). Extends tests/test_logs.py."""
from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry


from bot import config
from jobs import QUEUE_NAME, connection, delivery
from models.audit import AuditLog
from models.outbox import PENDING, SENT
from tests.oversight_helpers import at
from tests.test_logs import PHONE, _forbidden
from tests.test_outbox_delivery import all_rows, move, sweep_and_deliver

pytestmark = pytest.mark.faults


def _conversations(bot) -> None:
    from sim import demo
    with bot.db() as s:
        demo.seed_accounts(s)
    at(date(2026, 11, 25))
    bot.say("jy_zhang", "测试登记", "抚松教育", PHONE, "确认")  # the phone field
    bot.say("jy_zhang", "周报", "5", "3", "昨天", "4/4", f"留言人电话{PHONE}已回访", "无", "无", "确认")
    bot.say("zsj_admin", f"整改通知 抚松县教育局 请联系{PHONE}核实更新情况", "确认")
    bot.say("jy_zhang", f"已整改 1 已电话联系{PHONE}", "确认")
    bot.say("zsj_admin", "培训登记", "今天", f"培训（联系电话{PHONE}）", "本局", "张伟", "确认")
    bot.say("stranger9", f"我的手机{PHONE}")
    bot.say("zsj_admin", "导出台账", "台账")


def _all_jobs(bot):
    conn = connection()
    queue = Queue(QUEUE_NAME, connection=conn)
    ids = set(queue.job_ids)
    for registry in (FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry):
        ids |= set(registry(queue=queue).get_job_ids())
    return [job for job in (queue.fetch_job(i) for i in ids) if job is not None]


def _dump(job) -> str:
    result = job.latest_result()
    return "\n".join([repr(job.args), repr(job.kwargs), job.description or "", repr(job.meta),
                      (result.exc_string or "") if result else ""])


def insert_twice(phone: str) -> None:
    """A test job that fails at the database with personal data among the statement's parameters."""
    from bot import clock, db
    with db.transaction() as session:
        for _ in range(2):  # the same primary key twice
            session.add(AuditLog(id=999999, at=clock.now(), actor="job", action="test.contact", entity="test",
                                 after={"phone": phone}))
            session.flush()


def test_no_personal_data_in_logs_job_arguments_or_failed_jobs(tbot, caplog):
    caplog.set_level(logging.DEBUG)
    tbot.fake.inject("message/send", http_status=200, times=-1)  # "server error" as a 200 text/html body
    _conversations(tbot)
    tbot.deliver()
    queue = Queue(QUEUE_NAME, connection=connection())
    failed = FailedJobRegistry(queue=queue)
    assert failed.count == 0  # a body that is not JSON is a retryable WeCom error, not a crashed job
    rows = all_rows()
    assert rows and {r.status for r in rows} == {PENDING} and {r.error for r in rows} == {"None: answer is not JSON"}

    tbot.fake.clear_faults()
    good = config.get()  # deliveries that fail as jobs: the database is gone while they run
    config.use(dataclasses.replace(good, database_url="sqlite:////nonexistent-dir/zwxmt.sqlite3"))
    try:
        delivery.enqueue([r.id for r in rows])
        tbot.deliver()
    finally:
        config.use(good)
    queue.enqueue(insert_twice, PHONE)  # and a job failing on a statement whose parameters hold the number
    tbot.deliver()
    assert failed.count >= 2, failed.get_job_ids()
    move(tbot, 3600)
    sweep_and_deliver(tbot)
    assert {r.status for r in all_rows()} == {SENT}
    assert any(PHONE in json.dumps(m, ensure_ascii=False) for m in tbot.fake.state.messages)  # as it must

    jobs = _all_jobs(tbot)
    assert any("IntegrityError" in _dump(j) for j in jobs) and any("OperationalError" in _dump(j) for j in jobs)
    logged = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in _forbidden(tbot):
        for job in jobs:
            if job.func_name.endswith("insert_twice"):
                assert secret not in _dump(job).split("\n", 3)[-1], (job.id, _dump(job)[-800:])
                continue  # its own argument is the number, by construction
            assert secret not in _dump(job), (secret, job.id, _dump(job)[:500])
            assert secret.encode() not in (job.data or b""), (secret, job.id)
        assert secret not in logged, secret

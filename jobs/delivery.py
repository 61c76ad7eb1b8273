"""Delivery of outbox rows through WeCom: batching, throttling, retries, exactly-once.

A row is claimed (pending → sending) in its own transaction before the API call, and
marked sent with WeCom's msgid right after it. A worker killed between the two leaves the
row `sending`; the sweeper returns it to `pending` as an uncertain attempt (`uncertain_at`), and
the resend's `enable_duplicate_check` looks back to it, so WeCom drops the copy (a card's task_id
is refused with 42014: the row is SENT).

Retryable failures (-1, 45009, 45033, HTTP 5xx, timeouts, no connection) are retried with capped
exponential backoff for `BOT_OUTBOX_RETRY_HOURS` (48 h) from the row's creation (or its resend);
only then is the row FAILED. 45009 (frequency limit) means WeCom blocks the app's calls for 60 s: the row
waits at least that long, and no delivery calls WeCom before the block ends (a Redis key all workers
read; without Redis, each refused row still waits its own 60 s).

40003 (invalid userid) marks the person `wecom_invalid` like 81013; when the refused call had several
recipients, WeCom does not say which one, so each row is then sent in a call of its own. An interactive
card refused with 42014 (task_id already used) after an uncertain attempt was delivered by that attempt:
the row is SENT. Every transition to FAILED tells the bureau admins concerned, at most
once a day (models/delivery_failures.py), in the same transaction.
"""
from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import redis as redis_lib
from sqlalchemy import func, select, update

from bot import clock, config, db, outbox
from bot.wecom_client import DUPLICATE_WINDOW, WeComAPI, WeComError, get_api
from jobs import delivery_repeats
from models import audit, delivery_failures
from models.org import Person
from models.outbox import FAILED, PENDING, SENDING, SENT, OutboxFile, OutboxMessage
from models.platform import Card

log = logging.getLogger("bot.delivery")
ACTOR = "system:delivery"  # in the audit log

BATCH = 1000  # WeCom accepts up to 1000 userids per message/send
BACKOFF_FIRST = 10  # seconds; doubles with every attempt …
BACKOFF_CAP = timedelta(minutes=30)  # … up to this, until the retry window (config.outbox_retry_hours) ends
MAX_DUPLICATE_WINDOW = 4 * 3600  # WeCom's longest duplicate_check_interval
DRIFT = 300  # seconds: the duplicate check looks this much further back than our clock says (WeCom's may differ)
# A resend longer than this after its uncertain attempt cannot be dropped by WeCom as a copy: it is marked instead
REACH = timedelta(seconds=MAX_DUPLICATE_WINDOW - DRIFT)
# A hung (not refusing) Redis must not hold a callback past WeCom's 5 s: give up quickly, the sweeper
# finds the rows later.
ENQUEUE_TIMEOUT = 1.0
STUCK_AFTER = timedelta(minutes=5)
SWEEP_AFTER = timedelta(seconds=30)
# wecom.md §4.1/§4.2: 45009 (frequency limit) blocks the app's calls for 60 s after a minute's limit is hit
FREQ_LIMIT = 45009
FREQ_BLOCK = timedelta(seconds=61)


def enqueue(ids: list[int]) -> None:
    """After commit: queue delivery; if Redis is down the sweeper will find the rows later."""
    from jobs import queue
    try:
        q = queue(socket_timeout=ENQUEUE_TIMEOUT)
        for start in range(0, len(ids), BATCH):
            q.enqueue(deliver, ids[start:start + BATCH], job_timeout=600, result_ttl=60, failure_ttl=86400)
    except Exception as exc:  # redis down: the rows are safe in the database
        log.warning("delivery enqueue deferred rows=%s error=%s", len(ids), type(exc).__name__)


def _claim(ids: list[int]) -> list[OutboxMessage]:
    now = clock.now()
    with db.transaction() as session:
        claimed = session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == PENDING,
                   OutboxMessage.next_attempt_at <= now)
            .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)).all()
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                                    .order_by(OutboxMessage.id)))
    return rows


def deliver(ids: list[int]) -> dict:
    """Send the given rows that are still pending; returns counts for logs and tests."""
    rows = _claim(list(ids))
    stats = defaultdict(int)
    if not rows:
        return dict(stats)
    api = get_api()
    until = _blocked_until(api)
    if until:
        _wait_out_block(rows, until, stats)
        return dict(stats)
    allowed, throttled = _throttle(api, rows)
    if throttled:
        _defer([r.id for r in throttled], timedelta(seconds=61), "throttled")
        stats["throttled"] += len(throttled)
    # Before grouping: a row repeating what its recipient had from another row gets a note, and so does a
    # resend WeCom's duplicate check can no longer tie to its uncertain attempt; the content (so the group)
    # changes. Retries with an uncertain attempt look further back (a longer duplicate_check_interval): they
    # go in calls of their own, first attempts keep WeCom's 30 minutes.
    delivery_repeats.mark_late_resends(allowed, REACH)
    delivery_repeats.make_distinct(api.redis, allowed)
    groups: dict[tuple, list[OutboxMessage]] = defaultdict(list)
    updates = []
    for row in allowed:
        if row.msgtype == "card_update":
            updates.append(row)
        else:
            groups[(row.msgtype, row.content_hash, row.uncertain_at is not None)].append(row)
    batches = [group[start:start + BATCH] for group in groups.values() for start in range(0, len(group), BATCH)]
    batches += [[row] for row in updates]  # after the cards: a card and its update in one job, the card goes first
    for n, batch in enumerate(batches):
        until = _blocked_until(api) if n else None
        if until:  # a 45009 since the job began, here or in another worker: the rest waits for the block's end
            _wait_out_block(_still_ours([r for rest in batches[n:] for r in rest]), until, stats)
            break
        batch = _still_ours(batch)
        if batch and batch[0].msgtype == "card_update":
            _deliver_card_update(api, batch[0], stats)
        elif batch:
            _deliver_group(api, batch, stats)
    return dict(stats)


def _still_ours(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Rows this job claimed and nobody re-claimed since: after slow calls past STUCK_AFTER the
    sweeper may have handed our later rows to another worker, which then sends them."""
    with db.transaction() as session:
        ours = set(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.id.in_([r.id for r in rows]), OutboxMessage.status == SENDING,
            OutboxMessage.claimed_at == rows[0].claimed_at)))
    return [r for r in rows if r.id in ours]


def _payload(api: WeComAPI, row: OutboxMessage, reupload: bool = False) -> dict:
    """The message's content; a file is uploaded once and its media id reused for 2.5 days (WeCom keeps it 3),
    or uploaded again with `reupload` (WeCom answered 40007 for the one we had)."""
    if row.file_id is None:
        return row.payload
    with db.transaction() as session:
        record = session.get(OutboxFile, row.file_id)
        fresh = record.uploaded_at and clock.now() - record.uploaded_at < timedelta(days=2, hours=12)
        if record.media_id and fresh and not reupload:
            return {"media_id": record.media_id}
        media_type, filename, content = record.media_type, record.filename, record.content
    # No transaction is open during the upload (on SQLite it would hold the write lock).
    media_id = api.upload(media_type, filename, content)
    with db.transaction() as session:
        session.execute(update(OutboxFile).where(OutboxFile.id == row.file_id)
                        .values(media_id=media_id, uploaded_at=clock.now()))
    return {"media_id": media_id}


def _deliver_group(api: WeComAPI, rows: list[OutboxMessage], stats, reupload: bool = False) -> None:
    first = rows[0]
    userids = [r.userid for r in rows]
    try:
        payload = _payload(api, first, reupload)
        if first.file_id is not None:
            # An upload may outlast STUCK_AFTER (a large file, a slow line): the sweeper then gave the rows to another
            # worker, which uploads and sends them — WeCom would not drop our copy, its media_id is another.
            rows = _still_ours(rows)
            if not rows:
                log.info("delivery type=%s outcome=skipped: taken over by another worker during the upload",
                         first.msgtype)
                return
            first, userids = rows[0], [r.userid for r in rows]
        # Every send carries enable_duplicate_check: WeCom only recognises a resend if the first
        # copy was checked too (a timed-out call may have been delivered). Identical content from
        # two different rows to one person within 30 minutes would arrive once: before its first
        # attempt such a row was made distinct (jobs/delivery_repeats.py).
        result = api.send(first.msgtype, payload, userids, duplicate_window=_duplicate_window(rows))
    except WeComError as err:
        if err.errcode == 40007 and first.file_id is not None and not reupload:
            # WeCom no longer has the file we uploaded (wecom.md: re-upload, retry once)
            log.warning("delivery rows=%s type=%s errcode=40007: uploading the file again", len(rows), first.msgtype)
            _deliver_group(api, rows, stats, reupload=True)
            return
        if err.errcode == 40003 and len(rows) > 1:
            # WeCom does not say which userid it refuses: one call per recipient finds the bad one.
            log.warning("delivery rows=%s type=%s errcode=40003: sending one by one", len(rows), first.msgtype)
            _deliver_one_by_one(api, rows, stats)
            return
        if err.errcode == FREQ_LIMIT:
            _block(api)
        if err.errcode in (81013, 40003):
            _mark_invalid(rows, {u.lower() for u in userids}, err)
            stats["invalid"] += len(rows)
        elif _arrived_before(rows, err):
            _confirm_sent(rows, "confirmed by 42014 (task_id already used) after an uncertain attempt")
            stats["sent"] += len(rows)
        elif err.retryable:
            _retry(rows, err)
            stats["retry"] += len(rows)
        else:
            _fail(rows, err)
            stats["failed"] += len(rows)
        log.warning("delivery rows=%s type=%s errcode=%s retryable=%s", len(rows), first.msgtype,
                    err.errcode, err.retryable)
        if err.errcode == 60020:
            _ip_refused(api)
        return
    _ip_trusted_again(api)
    invalid = {u.lower() for u in result.invalid_users}
    bad = [r for r in rows if r.userid.lower() in invalid]
    good = [r for r in rows if r.userid.lower() not in invalid]
    now = clock.now()
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in good]))
                        .values(status=SENT, sent_at=now, msgid=result.msgid, error=None))
        if first.msgtype == "template_card" and result.response_code:
            session.execute(update(Card).where(Card.task_id == first.payload.get("task_id"))
                            .values(response_code=result.response_code))
    if bad:
        _mark_invalid(bad, {r.userid.lower() for r in bad}, None)
    stats["sent"] += len(good)
    stats["invalid"] += len(bad)
    log.info("delivery rows=%s type=%s outcome=sent invalid=%s", len(good), first.msgtype, len(bad))


# 60020 (IP not trusted) refuses every call until ops fix the trusted IPs: one ERROR line when it starts
# and then at most one every IP_ALERT_EVERY, shared by all workers through Redis (the time of the last one,
# by the bot's clock); each refused call still logs its WARNING line. The first success after it says so.
IP_ALERT_EVERY = timedelta(minutes=30)
IP_ALERT_KEY = "zwxmt:alert:60020"
_IP_ALERT = """
local last = redis.call('GET', KEYS[1])
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 604800)
return 1
"""
_ip_refused_seen = False  # this process saw 60020 since its last accepted call


def _ip_refused(api: WeComAPI) -> None:
    global _ip_refused_seen
    _ip_refused_seen = True
    now = clock.now().timestamp()
    if api.redis.eval(_IP_ALERT, 1, IP_ALERT_KEY, now, IP_ALERT_EVERY.total_seconds()):
        log.error("delivery refused: WeCom does not trust this server's IP (60020); every push fails until "
                  "the egress IP is added under 企业可信IP, then run `flask --app bot outbox resend` "
                  "(logged again in %s min if it lasts)", int(IP_ALERT_EVERY.total_seconds() // 60))


def _ip_trusted_again(api: WeComAPI) -> None:
    global _ip_refused_seen
    if _ip_refused_seen:
        _ip_refused_seen = False
        if api.redis.delete(IP_ALERT_KEY):
            log.warning("delivery accepted again after 60020: WeCom trusts this server's IP now; pushes that "
                        "failed meanwhile wait for `flask --app bot outbox resend`")


def _deliver_one_by_one(api: WeComAPI, rows: list[OutboxMessage], stats) -> None:
    """Each row in a call of its own (the group's call was refused as a whole, so none was sent)."""
    for n, row in enumerate(rows):
        until = _blocked_until(api) if n else None  # (the group's call was refused 40003, not 45009)
        if until:
            _wait_out_block(_still_ours(rows[n:]), until, stats)
            return
        if _still_ours([row]):  # the calls take a while: the sweeper may have given the row to another worker
            _deliver_group(api, [row], stats)


def _arrived_before(rows: list[OutboxMessage], err: WeComError) -> bool:
    """An interactive card refused as a duplicate task_id (42014) after an attempt whose outcome we
    never heard: that attempt delivered it (our task_ids are unique and well-formed)."""
    return (err.errcode == 42014 and rows[0].msgtype == "template_card"
            and all(r.uncertain_at is not None for r in rows))


def _confirm_sent(rows: list[OutboxMessage], note: str) -> None:
    """SENT without a msgid (the answer that carried it was lost); the card's response_code stays
    unknown until the person clicks (template_card_event brings a fresh one)."""
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                        .values(status=SENT, sent_at=clock.now(), error=note))
    log.info("delivery rows=%s type=%s outcome=sent %s", len(rows), rows[0].msgtype, note)


def _deliver_card_update(api: WeComAPI, row: OutboxMessage, stats) -> None:
    task_id, label = row.payload["task_id"], row.payload["replace_name"]
    with db.transaction() as session:
        card = session.get(Card, task_id)
        code = card.response_code if card else None
        sent = _card_send(session, card) if card and not code else None
    if not code and sent is not None and sent.status in (PENDING, SENDING):
        # The card is still on its way (WeCom failing, retries pending): grey it once it has arrived.
        _retry([row], WeComError(None, "card not delivered yet", retryable=True))
        stats["retry"] += 1
        log.info("delivery row=%s type=card_update task_id=%s outcome=waiting for the card", row.id, task_id)
        return
    if not code:
        if sent is None or sent.status == FAILED:
            why = "card never delivered"
        elif sent.msgid is None:  # SENT through 42014: the response_code was lost with the send's answer
            why = "card not greyed: its response code was lost with the answer to an uncertain send"
        else:
            why = "card not greyed: its response code was used by an earlier update"
        log.warning("delivery card update task_id=%s label=%s not possible (%s); the card keeps its buttons "
                    "until the person clicks it, the click greys it", task_id, label, why)
        _not_greyed(row, WeComError(None, why, retryable=False))
        stats["failed"] += 1
        return
    try:
        api.update_card([row.userid], code, button_label=label)
    except WeComError as err:
        # 40078 and the like: a ResponseCode used up or older than 72 hours (WeCom takes each once, for 72 h)
        log.warning("delivery card update task_id=%s errcode=%s retryable=%s", task_id, err.errcode, err.retryable)
        if err.errcode == FREQ_LIMIT:
            _block(api)
        if err.retryable:
            _retry([row], err)
            stats["retry"] += 1
        elif row.uncertain_at is not None:
            # An earlier attempt whose answer was lost may have used the code and greyed the card: no text as well
            _confirm_sent([row], f"{err.errcode} after an uncertain attempt: taken as greyed by that attempt")
            stats["sent"] += 1
        else:
            _not_greyed(row, err)
            stats["failed"] += 1
        return
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                        .values(status=SENT, sent_at=clock.now()))
        session.execute(update(Card).where(Card.task_id == row.payload["task_id"]).values(response_code=None))
    stats["sent"] += 1
    log.info("delivery row=%s type=card_update task_id=%s outcome=sent", row.id, task_id)


def _not_greyed(row: OutboxMessage, err: WeComError) -> None:
    """The card keeps its buttons: the update is FAILED and, in the same transaction, its recipient gets the text
    the update carried `instead` (once), so that he learns the outcome and that the buttons no longer work."""
    with db.transaction() as session:
        _mark_failed(session, [row.id], f"{err.errcode}: {err.errmsg}"[:500])
        if row.payload.get("instead"):
            outbox.push_text(session, row.userid, row.payload["instead"],
                             dedupe_key=f"card-instead:{row.payload['task_id']}")


def _card_send(session, card: Card) -> OutboxMessage | None:
    """The outbox row that sends `card` (written with it, see bot/outbox.push_card)."""
    return session.get(OutboxMessage, card.outbox_id) if card.outbox_id is not None else None


def _duplicate_window(rows: list[OutboxMessage]) -> int:
    """How far back WeCom's duplicate check must look: 30 minutes, or back to the first attempt of
    these rows that may have arrived without our hearing of it (at most WeCom's 4 hours)."""
    uncertain = [r.uncertain_at for r in rows if r.uncertain_at]
    if not uncertain:
        return DUPLICATE_WINDOW
    since = (clock.now() - min(uncertain)).total_seconds() + DRIFT
    return int(min(MAX_DUPLICATE_WINDOW, max(DUPLICATE_WINDOW, since)))


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at 30 minutes."""
    if attempts > 20:
        return BACKOFF_CAP
    return min(BACKOFF_CAP, timedelta(seconds=BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def retry_deadline(row: OutboxMessage) -> datetime:
    """Until when a retryable failure is retried: the window starts at creation, or at the resend."""
    return (row.resent_at or row.created_at) + timedelta(hours=config.get().outbox_retry_hours)


def _retry(rows: list[OutboxMessage], err: WeComError) -> None:
    now = clock.now()
    error = f"{err.errcode}: {err.errmsg}"[:500]
    given_up = []
    with db.transaction() as session:
        for row in rows:
            deadline = retry_deadline(row)
            if now >= deadline:
                given_up.append(row)
                continue
            wait = backoff(row.attempts)
            if err.errcode == FREQ_LIMIT:  # not before WeCom's block ends, whether or not Redis keeps _block's key
                wait = max(wait, FREQ_BLOCK)
            values = dict(status=PENDING, next_attempt_at=min(now + wait, deadline), error=error)
            if err.uncertain:  # keep the first such attempt: the duplicate check must reach back to it
                values["uncertain_at"] = func.coalesce(OutboxMessage.uncertain_at, now)
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
        _give_up(session, {row.id: row.attempts for row in given_up}, error)
    if given_up:
        log.warning("delivery gave up rows=%s errcode=%s after retry window", len(given_up), err.errcode)


def _give_up(session, attempts: dict[int, int], error: str) -> None:
    """FAILED at the end of the retry window; `attempts`: row id → the calls it had."""
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row_id, count in attempts.items():
        by_attempts[count].append(row_id)
    hours = config.get().outbox_retry_hours
    for count, ids in by_attempts.items():
        _mark_failed(session, ids, f"gave up after {count} attempts in {hours} h: {error}"[:500])


def _mark_failed(session, ids: list[int], error: str) -> None:
    """FAILED, in the caller's transaction, with the bureau's daily summary if it is the day's first."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                    .values(status=FAILED, error=error, failed_at=clock.now()))
    delivery_failures.tell_bureaus(session, ids)


def _fail(rows: list[OutboxMessage], err: WeComError) -> None:
    with db.transaction() as session:
        _mark_failed(session, [r.id for r in rows], f"{err.errcode}: {err.errmsg}"[:500])


def _mark_invalid(rows: list[OutboxMessage], userids: set[str], err: WeComError | None) -> None:
    """The people WeCom calls invalid are marked (audited: models/directory.py revalidate is the way back), their
    rows FAILED."""
    reason = f"推送时企业微信报告此人无效（{err.errcode if err else 'invaliduser'}）"
    with db.transaction() as session:
        marked = session.scalars(update(Person).where(func.lower(Person.userid).in_(userids),
                                                      Person.wecom_invalid.is_not(True))
                                 .values(wecom_invalid=True).returning(Person.id)).all()
        for person_id in marked:
            audit.record(session, actor=ACTOR, action="org.person.invalidate", entity="person", entity_id=person_id,
                         before={"wecom_invalid": False}, after={"wecom_invalid": True, "reason": reason})
        _mark_failed(session, [r.id for r in rows], "invalid user" + (f" ({err.errcode})" if err else ""))


def _defer(ids: list[int], delay: timedelta, reason: str) -> None:
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(status=PENDING, next_attempt_at=clock.now() + delay, error=reason,
                                attempts=OutboxMessage.attempts - 1))


def _block_key(api: WeComAPI) -> str:
    return f"zwxmt:wecom:blocked:{api.cfg.corp_id}:{api.cfg.agent_id}"


def _block(api: WeComAPI) -> None:
    """WeCom answered 45009: tell every worker that the app's calls are blocked until FREQ_BLOCK from now (the
    time by the bot's clock; the key's own TTL only cleans up)."""
    until = clock.now() + FREQ_BLOCK
    try:
        api.redis.set(_block_key(api), until.timestamp(), ex=int(FREQ_BLOCK.total_seconds()) + 60)
    except redis_lib.RedisError as exc:  # each refused row still waits FREQ_BLOCK (_retry)
        log.warning("delivery could not share the 45009 block: %s", type(exc).__name__)
    log.warning("delivery paused: WeCom's frequency limit (45009), no call before %s",
                until.isoformat(timespec="seconds"))


def _blocked_until(api: WeComAPI) -> datetime | None:
    """The end of WeCom's 45009 block, if one is on."""
    try:
        stored = api.redis.get(_block_key(api))
    except redis_lib.RedisError:  # as above: the refused rows wait on their own
        return None
    if stored is None:
        return None
    until = datetime.fromtimestamp(float(stored), timezone.utc)
    return until if until > clock.now() else None


def _wait_out_block(rows: list[OutboxMessage], until: datetime, stats) -> None:
    """While WeCom blocks the app (45009), `rows` are not sent: they wait for the block's end, uncounted (the claim
    counted an attempt), or give up if their retry window ends first."""
    if not rows:
        return
    now = clock.now()
    error = f"{FREQ_LIMIT}: waiting for the end of WeCom's frequency-limit block"
    ids = [r.id for r in rows]
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(status=PENDING, next_attempt_at=until, error=error,
                                attempts=OutboxMessage.attempts - 1))
        for row in rows:
            if now < retry_deadline(row) < until:  # its last try at the window's end, which falls in the block
                session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                                .values(next_attempt_at=retry_deadline(row)))
        over = {r.id: r.attempts - 1 for r in rows if retry_deadline(r) <= now}
        _give_up(session, over, error)
    stats["blocked"] += len(rows) - len(over)
    stats["failed"] += len(over)
    log.info("delivery rows=%s outcome=deferred until %s (45009 block) gave_up=%s", len(rows),
             until.isoformat(timespec="seconds"), len(over))


# Reserve up to ARGV[2] sends for one member in sliding windows of 60 s and 3600 s (atomic, so
# two workers cannot both take the last slots). Returns how many were granted.
_RESERVE = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3600000)
local free = math.min(tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1]),
                      tonumber(ARGV[4]) - redis.call('ZCARD', KEYS[2]), tonumber(ARGV[2]))
if free < 0 then free = 0 end
for i = 1, free do
  redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. i)
  redis.call('ZADD', KEYS[2], now, ARGV[5] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], 120000)
redis.call('PEXPIRE', KEYS[2], 7200000)
return free
"""


# Set once the windows in Redis hold every send of the last hour; gone with them when Redis is flushed or restarts empty
RATE_KNOWN_KEY = "zwxmt:rate:known"


def _rate_keys(userid: str) -> list[str]:
    """A member's two windows (60 s, 3600 s), by the userid in lower case (WeCom ignores its case)."""
    return [f"zwxmt:rate:m:{userid}", f"zwxmt:rate:h:{userid}"]


def _restore_windows(api: WeComAPI) -> None:
    """If Redis lost the throttle's windows, put back the sends of the last hour from the database first: else a
    member who had 25 pushes this minute would be granted 25 more, and WeCom drops the excess without an error.
    Each send is its row's id in the windows, so two workers restoring at once count it once."""
    if api.redis.exists(RATE_KNOWN_KEY):
        return
    with db.transaction() as session:
        sends = session.execute(select(OutboxMessage.id, OutboxMessage.userid, OutboxMessage.sent_at).where(
            OutboxMessage.status == SENT, OutboxMessage.sent_at >= clock.now() - timedelta(hours=1))).all()
    pipe = api.redis.pipeline(transaction=False)
    for row_id, userid, sent_at in sends:
        at = int(sent_at.timestamp() * 1000)
        minute, hour = _rate_keys(userid.lower())
        pipe.zadd(minute, {f"row:{row_id}": at})
        pipe.zadd(hour, {f"row:{row_id}": at})
        pipe.pexpire(minute, 120000)
        pipe.pexpire(hour, 7200000)
    pipe.set(RATE_KNOWN_KEY, int(clock.now().timestamp()))
    pipe.execute()
    if sends:
        log.warning("delivery throttle windows were not in Redis: restored %s sends of the last hour from the "
                    "database", len(sends))


def _throttle(api: WeComAPI, rows: list[OutboxMessage]) -> tuple[list, list]:
    """Keep every member below WeCom's silent-drop limits (30/minute, 1000/hour).

    Sliding windows, not calendar minutes: 25 sends at 12:00:59 and 25 more at 12:01:00
    would be 50 within WeCom's minute."""
    _restore_windows(api)
    cfg = config.get()
    now_ms = int(clock.now().timestamp() * 1000)
    wanted: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        wanted[row.userid.lower()].append(row)  # WeCom counts a member's sends whatever the userid's case
    reserve = api.redis.register_script(_RESERVE)
    pipe = api.redis.pipeline(transaction=False)
    for userid, mine in wanted.items():
        reserve(keys=_rate_keys(userid), client=pipe,
                args=[now_ms, len(mine), cfg.per_member_per_minute, cfg.per_member_per_hour, secrets.token_hex(6)])
    allowed, throttled = [], []
    for mine, granted in zip(wanted.values(), pipe.execute()):
        allowed += mine[:int(granted)]
        throttled += mine[int(granted):]
    allowed.sort(key=lambda r: r.id)
    return allowed, throttled


def sweep() -> int:
    """Re-queue rows that Redis lost (or that a killed worker left `sending`)."""
    now = clock.now()
    with db.transaction() as session:
        # A row left `sending` may have reached WeCom in a call whose answer nobody heard: like a timeout, that is
        # an uncertain attempt (at the latest since the claim), so the resend's duplicate check reaches back to it
        # and a card's 42014 confirms it.
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < now - STUCK_AFTER)
                        .values(status=PENDING, next_attempt_at=now,
                                uncertain_at=func.coalesce(OutboxMessage.uncertain_at, OutboxMessage.claimed_at)))
        ids = list(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
            OutboxMessage.created_at < now - SWEEP_AFTER).order_by(OutboxMessage.id).limit(50000)))
    if ids:
        enqueue(ids)
    return len(ids)

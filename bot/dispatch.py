"""The quick, transactional half of a callback: lock the user, de-duplicate, route, commit.

Everything here is one database transaction: the conversation state, the business
change, the outbox rows and the de-duplication record commit together or not at all. (On
PostgreSQL a message answered from the dialogue alone is one statement: `_unlocked`.)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from bot import claim as claims, clock, config, db, drafts
from bot.claim import Dialogue
from bot.router import Context, NeedsLock, Router, answers_typed
from bot.wecom_crypto import Inbound
from models.platform import InboundCallback

log = logging.getLogger("bot.callback")

ERROR_REPLY = "抱歉，处理您的消息时出了点问题，已记录在案。请稍后再试，或回复「帮助」。"


@dataclass
class Outcome:
    reply: dict | None  # {"kind": "text", "content": …} or {"kind": "update_button", "content": label}
    handler: str | None
    duplicate: bool = False
    outcome: str = "ok"


def _expire(router: Router, conv: Dialogue, ctx: Context) -> None:
    """Turn a dialogue idle past its expiry into a draft the user can resume with 继续."""
    if not conv.state or conv.expires_at is None or conv.expires_at > clock.now():
        return
    info = router.conversation_of(conv.state)
    title = info.title if info else "上次的操作"
    ctx.expired = title
    notice = f"您上次的「{title}」超过{config.get().conversation_idle_minutes}分钟没有回复，已自动结束。"
    if not answers_typed(conv) and router.draft_of(conv, info) is not None:  # begun anew, left unanswered
        drafts.bring_forward(conv, info.title)
        notice += "\n之前保存的草稿仍保留。"
    elif not conv.history and info and info.summary and not info.summary(conv.data):
        notice += "\n还没有填写任何内容，没有保存草稿。"  # (周报's which-week question: nothing to 继续)
        conv.state, conv.data, conv.history, conv.expires_at = None, {}, [], None
        ctx.reply(notice)
        return
    else:
        typed = answers_typed(conv)
        kept, _replaced = router.keep_draft(conv)
        if kept:
            notice += f"\n已填写的内容已保存：{kept}"
        else:  # a picker or a confirmation: its question is kept, 继续 asks it again
            notice += "\n已填写的内容已保存为草稿。" if typed else "\n还没有填写内容，刚才的问题已保留。"
        notice += drafts.earlier_kept(conv)
    conv.state, conv.data, conv.history, conv.expires_at = None, {}, [], None
    resuming = router.control_word(ctx.text) == "resume"  # 「继续」 itself: the resumed question follows
    ctx.reply(notice if resuming else notice + "\n回复「继续」可接着填写。")


def handle(router: Router, inbound: Inbound) -> Outcome:
    """Process one callback exactly once; a retry gets the first delivery's reply.

    The callback's pool does not ping a connection before lending it (a round trip per callback): a
    connection that died while idle (the database restarted) fails at once, SQLAlchemy then
    discards the whole pool, and the callback is run once more on a fresh connection. Running
    it again is safe: the failed transaction left nothing, and if the loss came after COMMIT
    the second run finds the callback recorded and answers as the first did.
    """
    try:
        return _handle(router, inbound)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning("database connection lost (%s), retrying once", type(exc.orig).__name__)
        return _handle(router, inbound)


def _handle(router: Router, inbound: Inbound) -> Outcome:
    # A Core connection, not an ORM session: the common message (帮助, a suggestion, a dialogue
    # step that only moves the conversation) needs none; a handler that uses ctx.session gets
    # one joined to this transaction.
    ctx = None
    with db.get_engine(callback=True).connect() as connection:
        if connection.dialect.name == "postgresql" and inbound.userid not in _LOCK_FIRST:
            outcome = _unlocked(router, inbound, connection)
            if outcome is not None:
                return outcome
        try:
            with connection.begin() as transaction:
                now = clock.now()
                claim = claims.lock_and_read(connection, inbound, now)
                if claim.prior is not None:  # a retry: leave even the conversation's time as it was
                    transaction.rollback()
                    return _as_before(claim.prior)
                sender = claim.sender if claim.sender is not None and claim.sender.active else None
                ctx = Context(inbound, sender=sender, connection=connection, conv=claim.conv,
                              text=inbound.content.strip())
                ctx.deactivated = claim.sender is not None and not claim.sender.active
                conv = claim.conv
                _expire(router, conv, ctx)
                router.dispatch(ctx, conv)
                if conv.state:
                    conv.expires_at = clock.now() + timedelta(minutes=config.get().conversation_idle_minutes)
                reply = _reply_of(ctx)
                ctx.flush()
                claims.record(connection, claim, inbound, ctx.handler_name, reply, now)
            ctx.committed()
            _remember(inbound.userid, ctx)
            return Outcome(reply, ctx.handler_name)
        except claims.AnsweredMeanwhile:  # everything this copy did was rolled back
            prior = _prior(inbound)
            if prior is None:  # pruned in between (rows are kept for days): let WeCom's retry record it anew
                raise
            return _as_before(prior)
        except IntegrityError:
            # A concurrent delivery of the same callback won the race: answer as it did.
            prior = _prior(inbound)
            if prior is not None:
                return _as_before(prior)
            # Otherwise a handler broke a constraint: a bug, not an outage (a 5xx would only
            # make WeCom repeat it).
            return _failed(inbound, ctx)
        except Exception as exc:
            if isinstance(exc, (OperationalError, InterfaceError)) or (
                    isinstance(exc, DBAPIError) and exc.connection_invalidated):
                raise  # the database is unavailable: the caller answers 5xx and WeCom retries
            return _failed(inbound, ctx)
        finally:
            if ctx is not None:
                ctx.close()


def _unlocked(router: Router, inbound: Inbound, connection) -> Outcome | None:
    """Answer without holding the conversation's row lock (PostgreSQL), or None for the locked path.

    Most messages are answered from the sender and the dialogue alone (帮助, a suggestion): for them
    the lock, BEGIN and COMMIT are three of four round trips. So the conversation is read with its
    row version, routed, and recorded in one statement that first locks the row and checks the
    version: if another message of the user committed in between, or a copy of this callback was
    recorded, that statement writes nothing and the message is processed again under the lock. Its
    effect is therefore the same as if the messages had been processed one after another. A handler
    not marked `dialogue_only`, or anything touching the database, stops the attempt (NeedsLock)
    before it does anything; a handler's error, too, is left to the locked path to run and answer.
    """
    now = clock.now()
    with claims.autocommit(connection):
        seen = claims.read_unlocked(connection, inbound, now)
        if seen is None:
            return None
        claim = seen.claim
        if claim.prior is not None:
            return _as_before(claim.prior)
        if not claim.sender.active:
            return None
        ctx = Context(inbound, sender=claim.sender, conv=claim.conv, text=inbound.content.strip())
        ctx.unlocked = True
        conv = claim.conv
        try:
            _expire(router, conv, ctx)
            router.dispatch(ctx, conv)
            if conv.state:
                conv.expires_at = clock.now() + timedelta(minutes=config.get().conversation_idle_minutes)
            reply = _reply_of(ctx)
        except NeedsLock:
            _remember(inbound.userid, ctx)
            return None
        except Exception:  # a handler's error: the locked path runs it again, and answers
            return None
        if not claims.record_if_unchanged(connection, seen, inbound, ctx.handler_name, reply, now):
            return None
    return Outcome(reply, ctx.handler_name)


# Users whose last message needed the lock (a form's step, a query): their next message most likely
# does too, so it skips the unlocked read — a hint for this process, nothing depends on it being right.
_LOCK_FIRST: set[str] = set()
_LOCK_FIRST_MAX = 50_000


def _remember(userid: str, ctx: Context) -> None:
    if not ctx.needs_lock:
        _LOCK_FIRST.discard(userid)
        return
    if len(_LOCK_FIRST) >= _LOCK_FIRST_MAX:
        _LOCK_FIRST.clear()
    _LOCK_FIRST.add(userid)


def _prior(inbound: Inbound) -> claims.Prior | None:
    with db.transaction(callback=True) as session:  # the callback's engine: WeCom waits 5 s
        row = session.get(InboundCallback, inbound.dedupe_key)
        return claims.Prior(row.reply, row.handler, row.outcome) if row is not None else None


def _as_before(prior: claims.Prior) -> Outcome:
    """A copy of a callback already answered: the same reply, and nothing done again."""
    return Outcome(prior.reply, prior.handler, duplicate=True, outcome=prior.outcome)


def _failed(inbound: Inbound, ctx: Context | None) -> Outcome:
    """Log a handler's failure (inside the `except`: with its traceback), naming the handler, and record it."""
    handler = ctx.handler_name if ctx is not None else None
    log.exception("handler failed user=%s type=%s handler=%s", inbound.userid, claims.msg_type(inbound), handler)
    return _record_failure(inbound, handler)


def _record_failure(inbound: Inbound, handler: str | None = None) -> Outcome:
    """A handler bug: keep the user's dialogue as it was, answer politely, remember the reply (and the
    handler that failed, for the callback's log line and its retries'; "error" if none was reached).
    (A copy of the callback that waited while the first delivery committed may have run the
    handler on the changed dialogue and failed: it answers as the first delivery did.)"""
    reply = {"kind": "text", "content": ERROR_REPLY}
    handler = claims.handler_name(handler) or "error"
    try:
        with db.transaction(callback=True) as session:  # the callback's engine: WeCom waits 5 s
            session.execute(insert(InboundCallback).values(
                dedupe_key=inbound.dedupe_key, userid=inbound.userid, msg_type=claims.msg_type(inbound),
                handler=handler, reply=reply, outcome="error", received_at=clock.now()))
    except IntegrityError:
        prior = _prior(inbound)
        if prior is None:
            raise
        return _as_before(prior)
    return Outcome(reply, handler, outcome="error")


def _reply_of(ctx: Context) -> dict | None:
    from bot import outbox
    text = "\n\n".join(r for r in ctx.replies if r)
    if ctx.inbound.event == "template_card_event":
        # Passive text is not shown for card clicks: grey the button, push the words.
        if text:
            outbox.push_text(ctx.session, ctx.userid, text)
        return {"kind": "update_button", "content": ctx.button_label} if ctx.button_label else None
    if not text:
        return None
    parts = outbox.split_text(text)
    for extra in parts[1:]:
        outbox.push_text(ctx.session, ctx.userid, extra)
    return {"kind": "text", "content": parts[0]}

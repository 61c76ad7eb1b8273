"""Drafts (草稿): long forms left by 取消, a timeout or another task, kept for 「继续」 — one per form.

`conv.draft` holds the latest draft, {"state", "data", "history", "title"}; drafts of other forms left before it
are kept, newest first, under its "earlier" key (so a row written when there was only one draft reads the same).
A form is the conversation prefix of the draft's state ("weekly", "open", …): a second draft of the same form
replaces the first, a draft of another form never does.
"""
from __future__ import annotations


def form_of(draft: dict) -> str:
    return (draft.get("state") or "").split(".", 1)[0]


def all_of(conv) -> list[dict]:
    """Every draft kept, the latest first."""
    latest = conv.draft
    if not latest:
        return []
    return [{key: value for key, value in latest.items() if key != "earlier"}, *latest.get("earlier", [])]


def _store(conv, drafts: list[dict]) -> None:
    conv.draft = None if not drafts else drafts[0] if len(drafts) == 1 else {**drafts[0], "earlier": drafts[1:]}


def keep(conv, draft: dict) -> str | None:
    """Keep `draft` as the latest; the title of the same form's draft it replaced, if there was one."""
    kept = all_of(conv)
    replaced = next((d.get("title") for d in kept if form_of(d) == form_of(draft)), None)
    _store(conv, [draft, *(d for d in kept if form_of(d) != form_of(draft))])
    return replaced


def drop(conv, form: str) -> dict | None:
    """Remove the draft of `form` (a dialogue of that form starts anew); the draft removed, or None."""
    kept = all_of(conv)
    dropped = next((d for d in kept if form_of(d) == form), None)
    if dropped is not None:
        _store(conv, [d for d in kept if d is not dropped])
    return dropped


def take(conv) -> dict | None:
    """The latest draft, removed (「继续」 resumes it): the one left before it becomes the latest."""
    kept = all_of(conv)
    if not kept:
        return None
    _store(conv, kept[1:])
    return kept[0]


def bring_forward(conv, wanted: str) -> bool:
    """Make the draft whose title names `wanted` (「周报」, 「开设」 for 开设申请) the latest, for 「继续 周报」;
    False if no draft is named so."""
    kept = all_of(conv)
    found = next((d for d in kept if len(wanted) >= 2 and (wanted in d.get("title", "") or d.get("title") in wanted)),
                 None)
    if found is None:
        return False
    _store(conv, [found, *(d for d in kept if d is not found)])
    return True


def titles(conv) -> list[str]:
    """「周报」, 「开设申请」…: the forms waiting in drafts, the latest first."""
    return [d.get("title", "") for d in all_of(conv)]


def earlier_kept(conv) -> str:
    """Said after a draft was kept: the drafts of other forms left before it are still there (one word, a timeout
    or a menu tap once overwrote the one draft there was, a whole 周报 for two answers of 开设)."""
    earlier = titles(conv)[1:]
    if not earlier:
        return ""
    named = "、".join(f"「{title}」" for title in earlier)
    return f"（之前保存的{named}草稿仍保留，回复「继续 {earlier[0]}」可接着填写。）"

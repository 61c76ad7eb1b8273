"""Units where a step of the approval chain would find no approver: a host unit without a 单位负责人
(开设单位意见), a county bureau without a 主管单位审核人 (主管单位意见), a city bureau without a 市级审批人.
Said after every `org import` and `org sync`, before a request gets stranded there."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.approval import STEP_BUREAU, STEP_CITY, STEP_NAMES, STEP_UNIT
from models.org import (BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, COUNTY_BUREAU, HOST_UNIT, ROLE_NAMES, UNIT_HEAD,
                        Person, PersonRole, Unit)

STEP_OF_KIND = {HOST_UNIT: STEP_UNIT, COUNTY_BUREAU: STEP_BUREAU, CITY_BUREAU: STEP_CITY}
ROLE_OF_STEP = {STEP_UNIT: UNIT_HEAD, STEP_BUREAU: BUREAU_REVIEWER, STEP_CITY: CITY_REVIEWER}


def approver_gaps(session: Session) -> list[str]:
    """One line per role some units lack, naming the units (internal departments and classified units open no
    accounts, 第8条, and are left out)."""
    from handlers.approvals_chain import steps  # late: the chain decides which steps there are
    chain = steps()
    held = set(session.execute(select(Person.unit_id, PersonRole.role).join(PersonRole).where(Person.active)).all())
    units = session.scalars(select(Unit).where(Unit.active, Unit.is_internal.is_(False),
                                               Unit.is_classified.is_(False)).order_by(Unit.id))
    lacking: dict[str, list[str]] = {}
    for unit in units:
        step = STEP_OF_KIND.get(unit.kind)
        if step in chain and (unit.id, ROLE_OF_STEP[step]) not in held:
            lacking.setdefault(step, []).append(unit.name)
    return [f"提醒：{'、'.join(f'「{name}」' for name in names)}在通讯录中没有在职的{ROLE_NAMES[ROLE_OF_STEP[step]]}，"
            f"申请到「{STEP_NAMES[step]}」环节时将无人审批。请在名册「人员」表中把相应人员的「角色」填为"
            f"「{ROLE_NAMES[ROLE_OF_STEP[step]]}」，然后重新导入。"
            for step in chain if (names := lacking.get(step))]

"""Scoping: a county bureau sees its own subtree only, the city bureau sees all, a unit itself."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.directory import admins_for
from models.org import (BUREAU_ADMIN, BUREAU_REVIEWER, STAFF, Person, Unit, bureau_people, find_person,
                        people_with_role, visible_host_units, visible_unit_ids)
from sim.demo import CITY, COUNTY, NEIGHBOUR

FUSONG_HOSTS = {"抚松县教育局", "抚松县卫生健康局", "抚松县文化广播电视和旅游局", "抚松县公安局",
                "抚松县人力资源和社会保障局", "抚松县市场监督管理局", "抚松县应急管理局", "抚松县融媒体中心",
                "抚松县农业农村局", "抚松县万良镇人民政府", "抚松县国家保密局", "抚松县教育局办公室"}


@pytest.fixture
def s(directory, session):
    return session


def unit(s, name: str) -> Unit:
    return s.scalar(select(Unit).where(Unit.name == name))


def names(s, ids) -> set[str]:
    return set(s.scalars(select(Unit.name).where(Unit.id.in_(ids))))


def userids(people) -> list[str]:
    return [p.userid for p in people]


def test_county_bureau_cannot_see_its_neighbours_units(s):
    seen = names(s, visible_unit_ids(s, find_person(s, "zsj_admin")))
    assert seen == FUSONG_HOSTS | {COUNTY}
    assert "靖宇县教育局" not in seen and NEIGHBOUR not in seen and CITY not in seen
    hosts = {u.name for u in visible_host_units(s, find_person(s, "zsj_review"))}
    assert hosts == FUSONG_HOSTS


def test_neighbour_county_sees_only_its_own_units(s):
    admin = find_person(s, "jy_admin")
    assert names(s, visible_unit_ids(s, admin)) == {NEIGHBOUR, "靖宇县教育局"}
    assert [u.name for u in visible_host_units(s, admin)] == ["靖宇县教育局"]


def test_city_bureau_sees_every_unit(s):
    every = set(s.scalars(select(Unit.name)))
    city = find_person(s, "city_zhao")
    assert names(s, visible_unit_ids(s, city)) == every
    assert {u.name for u in visible_host_units(s, city)} == FUSONG_HOSTS | {"靖宇县教育局"}


@pytest.mark.parametrize("userid", ["jy_zhang", "jy_wang"])
def test_host_unit_sees_only_itself(s, userid):
    person = find_person(s, userid)
    assert visible_unit_ids(s, person) == [unit(s, "抚松县教育局").id]  # not even its 办公室 below
    assert [u.name for u in visible_host_units(s, person)] == ["抚松县教育局"]


def test_bureau_role_outside_a_bureau_grants_nothing(s):
    staff = find_person(s, "jy_zhang")
    staff.set_roles({STAFF, BUREAU_ADMIN})  # a mistaken role on a host unit's member
    s.flush()
    assert visible_unit_ids(s, staff) == [staff.unit_id]


def test_bureau_member_without_a_bureau_role_sees_only_the_bureau(s):
    clerk = Person(userid="zsj_clerk", name="办事员", unit=unit(s, COUNTY))
    clerk.set_roles({STAFF})
    s.add(clerk)
    s.flush()
    assert visible_unit_ids(s, clerk) == [unit(s, COUNTY).id]
    assert visible_host_units(s, clerk) == []


def test_people_with_role_is_scoped_to_the_askers_tree(s):
    scope = visible_unit_ids(s, find_person(s, "zsj_admin"))
    assert userids(people_with_role(s, BUREAU_ADMIN, scope)) == ["zsj_admin"]
    assert set(userids(people_with_role(s, BUREAU_ADMIN))) == {"zsj_admin", "jy_admin", "city_qian"}  # unscoped
    staff = userids(people_with_role(s, STAFF, scope))
    assert "jy_zhang" in staff and "bm_staff" in staff and "jyx_staff" not in staff
    neighbour_staff = userids(people_with_role(s, STAFF, visible_unit_ids(s, find_person(s, "jy_admin"))))
    assert neighbour_staff == ["jyx_staff"]


def test_bureau_people_are_those_of_the_supervising_bureau(s):
    assert userids(bureau_people(s, unit(s, "靖宇县教育局"), BUREAU_ADMIN)) == ["jy_admin"]
    assert userids(bureau_people(s, unit(s, "抚松县教育局办公室"), BUREAU_ADMIN)) == ["zsj_admin"]
    assert userids(bureau_people(s, unit(s, COUNTY), BUREAU_REVIEWER)) == ["zsj_admin", "zsj_review"]
    assert userids(bureau_people(s, unit(s, CITY), BUREAU_ADMIN)) == ["city_qian"]


def test_deactivated_people_hold_no_role(s):
    find_person(s, "zsj_review").active = False
    s.flush()
    assert userids(bureau_people(s, unit(s, "抚松县教育局"), BUREAU_REVIEWER)) == ["zsj_admin"]


def test_admins_for_climbs_to_the_next_bureau_with_an_admin(s):
    assert userids(admins_for(s, unit(s, "抚松县公安局"))) == ["zsj_admin"]
    find_person(s, "jy_admin").active = False
    s.flush()
    assert userids(admins_for(s, unit(s, "靖宇县教育局"))) == ["city_qian"]
    assert userids(admins_for(s, unit(s, "抚松县公安局"))) == ["zsj_admin"]  # the nearest bureau wins
    find_person(s, "city_qian").active = False
    s.flush()
    assert admins_for(s, unit(s, "靖宇县教育局")) == []  # nobody above has the role

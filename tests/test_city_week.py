"""The city bureau (市政数局) through a working week: city_qian (admin + city reviewer) and city_zhao (city
reviewer) on what they can and cannot do, told in the city's terms."""
from __future__ import annotations


def test_a_city_reviewer_refused_a_command_is_sent_to_the_city_admin_not_the_county(bot):
    """city_zhao asking for 整改通知 was told 「如需开通请联系县政数局」: the county grants nothing at the city."""
    reply = bot.send("city_zhao", "整改通知")
    assert reply.startswith("「整改通知」仅限主管单位管理员使用，您没有这个权限。"), reply
    assert reply.endswith("如需开通请联系市政数局管理员。"), reply
    assert bot.send("jy_zhang", "整改通知").endswith("如需开通请联系县政数局。")  # the county's own people

"""Synthetic but well-formed identities: resident ID numbers (GB 11643), unified social credit
codes (GB 32100), Chinese names and mobile numbers. Check characters come from python-stdnum."""

from __future__ import annotations

import random
from datetime import date

from stdnum.cn import ric, uscc

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国文斌宇浩凯健俊帆鑫波宁欣"
    "雪婷琳晨阳佳怡梦颖子涵思雨欣悦博文浩然宇轩梓萱诗琪雅静嘉怡一诺晓东海燕春兰秋菊永福德胜成龙飞"
)
MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "187",
    "188",
    "189",
    "199",
)

# GB 32100 registration authority + organisation category: 9 1 = enterprise (工商/企业),
# 1 2 = public institution (事业单位, most public vocational schools), 1 1 = government organ (机关).
CREDIT_PREFIX = {"enterprise": "91", "agency": "91", "school": "12", "bureau": "11"}
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def resident_id(region_code: str, birth: date, sequence: int, male: bool) -> str:
    """GB 11643: region + birth date + 3-digit sequence (odd for men) + check character."""
    sequence = (sequence % 500) * 2 + (1 if male else 0)
    body = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def organisation_code(serial: int) -> str:
    """GB 11714 organisation code: 8 characters and a check character (inside the credit code)."""
    body = f"{serial:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(kind: str, region_code: str, serial: int) -> str:
    body = CREDIT_PREFIX[kind] + region_code + organisation_code(serial)
    return body + uscc.calc_check_digit(body)

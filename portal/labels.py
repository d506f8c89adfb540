"""Chinese labels for the API's enum values (GraphQL sends the member names, e.g. ``OPEN``).

One table per enum, registered as a Jinja filter of the same name, so templates write
``position.state | position_state`` and forms take their options from the same table.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "position_kind": {"REGULAR": "全职", "INTERNSHIP": "就业见习", "PUBLIC_WELFARE": "公益性岗位",
                      "ASSISTANCE_WORKSHOP": "帮扶车间"},
    "position_state": {"DRAFT": "草稿", "OPEN": "招聘中", "CLOSED": "已关闭"},
    "education": {"JUNIOR_MIDDLE": "初中", "SECONDARY_VOCATIONAL": "中职", "HIGHER_VOCATIONAL": "高职专科",
                  "BACHELOR": "本科"},
    "stage": {"RECOMMENDED": "已推荐", "APPLIED": "已投递", "INTERVIEW": "面试", "OFFER": "录用意向",
              "HIRED": "已入职", "REJECTED": "未通过", "WITHDRAWN": "已撤回"},
    "rejection_reason": {"SKILLS_MISMATCH": "技能不匹配", "EDUCATION": "学历不符", "LOCATION": "工作地点不合适",
                         "SALARY": "薪酬未谈拢", "POSITION_FILLED": "岗位已满", "NO_SHOW": "未到场",
                         "OTHER": "其他原因"},
    "source": {"SELF": "本人投递", "SCHOOL": "学校推荐", "AGENCY": "机构推荐", "FAIR": "招聘会"},
    "class_kind": {"TARGETED": "定向班", "CUSTOMISED": "订单班", "SHORT_TRAINING": "短期技能培训"},
    "fair_kind": {"INDUSTRY": "行业专场", "REGIONAL": "区域专场", "SPECIALITY": "专业专场", "GENERAL": "综合招聘"},
    "fair_mode": {"ONLINE": "线上", "OFFLINE": "线下", "HYBRID": "线上线下结合"},
    "household_category": {"LIFTED": "脱贫户", "UNSTABLE": "脱贫不稳定户", "MARGINAL": "边缘易致贫户",
                           "SUDDEN_HARDSHIP": "突发严重困难户"},
    "student_status": {"STUDYING": "在读", "GRADUATED": "已毕业", "WITHDRAWN": "已退学"},
    "location_tier": {"IN_COUNTY": "县内", "IN_PROVINCE": "省内县外", "CROSS_PROVINCE": "跨省"},
    "follow_up_status": {"EMPLOYED": "在岗", "UNEMPLOYED": "未就业", "STUDYING": "升学", "OWN_BUSINESS": "自主创业"},
    "gender": {"FEMALE": "女", "MALE": "男"},
    "organisation_kind": {"SCHOOL": "职业院校", "ENTERPRISE": "用工企业", "AGENCY": "人力资源服务机构",
                          "BUREAU": "乡村振兴部门"},
    "membership": {"PENDING": "待审核", "APPROVED": "已批准", "REJECTED": "已驳回", "SUSPENDED": "已暂停"},
    "role": {"ENTERPRISE": "用工企业", "SCHOOL": "职业院校", "AGENCY": "人力资源服务机构", "BUREAU": "乡村振兴部门",
             "GRADUATE": "雨露计划学生", "ADMIN": "系统管理员"},
}


def label_filter(table: dict[str, str]):
    return lambda value: table.get(value, value) if value is not None else "—"


def code_choices(items: list[dict], with_code: bool = True) -> list[tuple[str, str]]:
    """(code, label) pairs for catalogue entries and regions: 电工（6-31-01-03）."""
    return [(item["code"], f"{item['name']}（{item['code']}）" if with_code else item["name"]) for item in items]


def options(name: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a <select>."""
    return list(LABELS[name].items())


# The API's user errors carry a stable code; the portal speaks Chinese, so it words the common
# ones itself and falls back to the API's own message for codes it does not know.
ERROR_MESSAGES = {
    "REQUIRED": "此项必填。",
    "OUT_OF_RANGE": "数值超出允许范围。",
    "SALARY_RANGE": "薪酬范围不正确：下限不能高于上限，且在 0 至 1,000,000 元之间。",
    "DATE_RANGE": "有效期截止日期不能早于开始日期。",
    "BELOW_FILLED": "招聘人数不能少于已入职人数。",
    "UNKNOWN_OCCUPATION": "请选择有效的职业（GB/T 6565）。",
    "UNKNOWN_REGION": "请选择有效的行政区划。",
    "UNKNOWN_MAJOR": "所选专业不在专业目录中。",
    "STALE_VERSION": "该记录刚被其他人修改过，请刷新页面后重试。",
    "POSITION_FULL": "岗位名额已满，请先增加招聘人数。",
    "INVALID_TRANSITION": "当前阶段不能进行这一步操作。",
    "NOT_YOUR_STEP": "您的角色不能执行这一步操作。",
    "REASON_IFF_REJECTED": "标记未通过时必须选择原因。",
    "CLASS_FULL": "班级名额已满。",
    "ALREADY_ENROLLED": "该学生已在本班。",
    "DUPLICATE": "已存在相同的记录。",
    "ALREADY_APPLIED": "该学生已投递或已被推荐到这个岗位。",
    "NO_CHANGE": "该单位已是这一状态。",
    "PARTNER_REQUIRED": "定向班和订单班须选择合作企业。",
    "NOT_AN_ENTERPRISE": "合作企业须为联盟内的用工企业。",
    "NOT_PARTNER_POSITION": "只能预留合作企业自己的岗位。",
}
# The same code worded for one field, where the general wording would not fit.
FIELD_ERROR_MESSAGES = {
    ("endsOn", "DATE_RANGE"): "结班日期不能早于开班日期。",
    ("seats", "OUT_OF_RANGE"): "名额须在已编班人数至 10,000 之间。",
}


def error_message(error: dict) -> str:
    specific = FIELD_ERROR_MESSAGES.get((error.get("field"), error.get("code")))
    if specific:
        return specific
    return ERROR_MESSAGES.get(error.get("code", ""), error.get("message", "提交失败。"))

"""Chinese labels for the API's enum values (GraphQL sends the member names, e.g. ``OPEN``).

One table per enum, registered as a Jinja filter of the same name, so templates write
``position.state | position_state`` and forms take their options from the same table.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "position_kind": {
        "REGULAR": "全职",
        "INTERNSHIP": "就业见习",
        "PUBLIC_WELFARE": "公益性岗位",
        "ASSISTANCE_WORKSHOP": "帮扶车间",
    },
    "position_state": {"DRAFT": "草稿", "OPEN": "招聘中", "CLOSED": "已关闭"},
    "education": {
        "JUNIOR_MIDDLE": "初中",
        "SECONDARY_VOCATIONAL": "中职",
        "HIGHER_VOCATIONAL": "高职专科",
        "BACHELOR": "本科",
    },
    "stage": {
        "RECOMMENDED": "已推荐",
        "APPLIED": "已投递",
        "INTERVIEW": "面试",
        "OFFER": "录用意向",
        "HIRED": "已入职",
        "REJECTED": "未通过",
        "WITHDRAWN": "已撤回",
    },
    "rejection_reason": {
        "SKILLS_MISMATCH": "技能不匹配",
        "EDUCATION": "学历不符",
        "LOCATION": "工作地点不合适",
        "SALARY": "薪酬未谈拢",
        "POSITION_FILLED": "岗位已满",
        "NO_SHOW": "未到场",
        "OTHER": "其他原因",
    },
    "source": {"SELF": "本人投递", "SCHOOL": "学校推荐", "AGENCY": "机构推荐", "FAIR": "招聘会"},
    "class_kind": {"TARGETED": "定向班", "CUSTOMISED": "订单班", "SHORT_TRAINING": "短期技能培训"},
    "fair_kind": {
        "INDUSTRY": "行业专场",
        "REGIONAL": "区域专场",
        "SPECIALITY": "专业专场",
        "GENERAL": "综合招聘",
    },
    "fair_mode": {"ONLINE": "线上", "OFFLINE": "线下", "HYBRID": "线上线下结合"},
    "household_category": {
        "LIFTED": "脱贫户",
        "UNSTABLE": "脱贫不稳定户",
        "MARGINAL": "边缘易致贫户",
        "SUDDEN_HARDSHIP": "突发严重困难户",
    },
    "student_status": {"STUDYING": "在读", "GRADUATED": "已毕业", "WITHDRAWN": "已退学"},
    "location_tier": {"IN_COUNTY": "县内", "IN_PROVINCE": "省内县外", "CROSS_PROVINCE": "跨省"},
    "follow_up_status": {
        "EMPLOYED": "在岗",
        "UNEMPLOYED": "未就业",
        "STUDYING": "升学",
        "OWN_BUSINESS": "自主创业",
    },
    "destination_kind": {
        "ALLIANCE_JOB": "联盟内就业",
        "OTHER_JOB": "其他单位就业",
        "FLEXIBLE": "灵活就业",
        "OWN_BUSINESS": "自主创业",
        "FURTHER_STUDY": "升学",
        "MILITARY": "应征入伍",
        "PUBLIC_WELFARE": "公益性岗位",
        "NOT_EMPLOYED": "待就业",
        "NOT_SEEKING": "暂不就业",
    },
    "destination_source": {
        "SCHOOL": "学校登记",
        "GRADUATE": "本人填报",
        "AGENCY": "帮扶机构登记",
        "BUREAU": "乡村振兴局登记",
        "ENTERPRISE": "用人单位告知",
        "HIRE": "联盟录用",
    },
    "verification": {
        "SOCIAL_INSURANCE": "社保缴费核验",
        "EMPLOYER": "用人单位确认",
        "BUREAU_CHECK": "乡村振兴局核实",
    },
    "end_reason": {"LEFT": "主动离职", "DISMISSED": "被辞退", "CONTRACT_ENDED": "合同到期"},
    "alert_kind": {
        "JOB_LOST": "失业（工作结束未再就业）",
        "INCOME_BELOW_FLOOR": "收入低于下限",
        "INCOME_DROP": "收入明显下降",
        "NO_FOLLOW_UP": "长期未回访",
        "MONITORED_NOT_EMPLOYED": "监测户毕业生未就业",
    },
    "alert_state": {"OPEN": "待处置", "HANDLED": "已建档帮扶", "DISMISSED": "已忽略"},
    "gender": {"FEMALE": "女", "MALE": "男"},
    "action_kind": {
        "JOB_RECOMMENDATION": "岗位推荐",
        "INTERNSHIP": "就业见习",
        "SKILLS_TRAINING": "技能培训",
        "PUBLIC_WELFARE_POSITION": "公益性岗位",
        "ENTREPRENEURSHIP_SUPPORT": "创业扶持",
        "CAREER_GUIDANCE": "职业指导",
    },
    "case_outcome": {
        "EMPLOYED": "实现就业",
        "PUBLIC_WELFARE": "公益性岗位安置",
        "OWN_BUSINESS": "自主创业",
        "FURTHER_STUDY": "升学",
        "NOT_SEEKING": "暂不就业",
        "UNREACHABLE": "无法联系",
        "TRANSFERRED": "转交其他单位",
    },
    "organisation_kind": {
        "SCHOOL": "职业院校",
        "ENTERPRISE": "用工企业",
        "AGENCY": "人力资源服务机构",
        "BUREAU": "乡村振兴部门",
    },
    "membership": {
        "PENDING": "待审核",
        "APPROVED": "已批准",
        "REJECTED": "已驳回",
        "SUSPENDED": "已暂停",
    },
    "role": {
        "ENTERPRISE": "用工企业",
        "SCHOOL": "职业院校",
        "AGENCY": "人力资源服务机构",
        "BUREAU": "乡村振兴部门",
        "GRADUATE": "雨露计划学生",
        "ADMIN": "系统管理员",
    },
}


def label_filter(table: dict[str, str]):
    return lambda value: table.get(value, value) if value is not None else "—"


def code_choices(items: list[dict], with_code: bool = True) -> list[tuple[str, str]]:
    """(code, label) pairs for catalogue entries and regions: 电工（6-31-01-03）."""
    return [
        (item["code"], f"{item['name']}（{item['code']}）" if with_code else item["name"])
        for item in items
    ]


def options(name: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a <select>."""
    return list(LABELS[name].items())


# The API's user errors carry a stable code and a Chinese message that names the field and the
# rule it broke (毕业年份须在 2000 至 2032 之间。): the portal shows that message. It words a code
# itself only where the API's message would not suit a person: it shows internal values (the
# stage transitions name enum members) or a version number.
ERROR_MESSAGES = {
    "STALE_VERSION": "该记录刚被其他人修改过，请刷新页面后重试。",
    "INVALID_TRANSITION": "申请当前所处的阶段不能直接进入这一步。",
    "NOT_YOUR_STEP": "您的角色不能执行这一步操作。",
}
FALLBACK_ERROR = "提交未成功，系统没有说明原因；请检查填写的内容后重试。"
# A message about one field that does not name it starts with FIELD ("此项", which reads well
# wherever it is shown); the macro that renders the field puts its label in its place.
FIELD = "此项"
# Codes whose API message states the rule but not the field (the API has no Chinese field names).
UNNAMED_FIELD_CODES = {"TOO_LONG"}


def error_message(error: dict) -> str:
    code = error.get("code", "")
    if code in ERROR_MESSAGES:
        return ERROR_MESSAGES[code]
    message = error.get("message") or FALLBACK_ERROR
    return FIELD + message if code in UNNAMED_FIELD_CODES and error.get("field") else message


def named_field(message: str, label: str | None) -> str:
    """A message about one field, with that field's label as its subject (a Jinja filter)."""
    if label and message.startswith(FIELD):
        return f"「{label}」" + message[len(FIELD) :]
    return message

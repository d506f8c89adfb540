"""待办提醒: each role's home shows what needs it, each line linking to the page where it is done.

The API counts (``viewer { notices }``, resolvers/notices.py); this module only words each kind
for the role and names its page, so the API knows nothing of the portal's paths."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from portal import operations


@dataclass(frozen=True)
class NoticeLine:
    text: str
    link: str


WORDING: dict[tuple[str, str], tuple[str, str]] = {
    ("GRADUATE", "REFERRALS_AWAITING"): (
        "收到 {n} 条推荐，等待您接受或谢绝",
        "/me#referrals-title",
    ),
    ("GRADUATE", "APPLICATIONS_MOVED"): ("{n} 份申请近 30 天有新进展", "/me#applications-title"),
    ("SCHOOL", "REFERRALS_AWAITING"): ("学生收到的推荐中有 {n} 条待确认", "/school/referrals"),
    ("SCHOOL", "FOLLOW_UPS_DUE"): ("{n} 项跟踪回访已逾期或 30 天内到期", "/school/follow-ups"),
    ("SCHOOL", "ALERTS_OPEN"): ("{n} 条就业风险预警待处置", "/school/alerts"),
    ("AGENCY", "REFERRALS_AWAITING"): ("您的推荐中有 {n} 条等待毕业生确认", "/agency/referrals"),
    ("AGENCY", "FOLLOW_UPS_DUE"): ("{n} 项跟踪回访已逾期或 30 天内到期", "/agency/follow-ups"),
    ("AGENCY", "ALERTS_OPEN"): ("{n} 条就业风险预警待处置", "/agency/alerts"),
    ("ENTERPRISE", "APPLICATIONS_WAITING"): ("{n} 份已投递的申请等待您处理", "/enterprise"),
    ("ADMIN", "JOIN_REQUESTS"): ("{n} 家单位的入盟申请等待审核", "/admin"),
}
"""(role, kind) → (text, page). A kind the API adds without wording here is not shown."""


async def home_notices(request: Request, user: dict) -> list[NoticeLine]:
    """The signed-in user's notices with something waiting, worded and linked."""
    data = await operations.run(request, "HomeNotices")
    lines = []
    for notice in data["viewer"]["notices"]:
        wording = WORDING.get((user["role"], notice["kind"]))
        if wording and notice["count"]:
            text, link = wording
            lines.append(NoticeLine(text.format(n=notice["count"]), link))
    return lines

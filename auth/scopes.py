"""The scopes our authorization server grants. Role rules decide rows and fields; scopes only
say what a client application may do on the user's behalf."""

from __future__ import annotations

READ = "alliance:read"  # query the alliance API
WRITE = "alliance:write"  # run mutations
PERSONAL = "personal:read"  # see unmasked personal data where the role rules allow it
ADMIN = "admin"  # manage clients, keys and members (admin role only)
PROFILE = "profile"  # read /oauth/userinfo

ALL = (READ, WRITE, PERSONAL, ADMIN, PROFILE)
DESCRIPTIONS = {
    READ: "查看联盟数据（岗位、班级、统计）",
    WRITE: "代表您提交和修改数据",
    PERSONAL: "在您的权限范围内查看未脱敏的个人信息",
    ADMIN: "管理客户端、密钥和成员",
    PROFILE: "读取您的账号信息（角色、单位、地区）",
}


def parse(scope: str | None) -> frozenset[str]:
    return frozenset((scope or "").split())


def join(scopes) -> str:
    return " ".join(sorted(scopes))

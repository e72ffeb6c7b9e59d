"""The console's words, in Chinese (the default) and English, and which
language a request gets: ``?lang=en|zh`` (remembered in a cookie), else the
cookie, else Chinese. Texts hold no markup: the templates escape them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from transit.api.console import texts_approval, texts_keys, texts_live, texts_reports, texts_signs
from transit.console.access import Role, ScopeKind

LANGUAGES = ("zh", "en")
DEFAULT = "zh"

_ZH = {
    "app": "铜川公交调度台",
    "html_lang": "zh-CN",
    "switch": "English",
    "login_title": "登录",
    "username": "用户名",
    "password": "密码",
    "log_in": "登录",
    "log_out": "退出登录",
    "log_out_confirm": "确定退出登录？",
    "wrong_password": "用户名或密码错误。",
    "expired": "登录已过期，请重新登录。",
    "logged_out": "已退出登录。",
    "form_expired": "登录表单已失效（可能打开太久），请重新输入。",
    "too_many_account": "该账号登录失败次数过多，请 {minutes} 分钟后再试。",
    "too_many_address": "此地址登录失败次数过多，请 {minutes} 分钟后再试。",
    "home_title": "首页",
    "logged_in_as": "当前用户",
    "your_roles": "角色与范围",
    "reports_title": "报表",
    "audit_title": "审计日志",
    "audit_csv": "导出 CSV",
    "audit_empty": "暂无记录。",
    "older": "更早的记录",
    "at": "时间", "actor": "操作人", "role": "角色", "action": "操作", "object": "对象",
    "before": "变更前", "after": "变更后", "reason": "原因",
    "forbidden_title": "无权操作",
    "refused_no_role": "您的角色不允许此操作。",
    "refused_out_of_scope": "此对象不在您负责的线路或场站范围内。",
    "refused_own_draft": "不能审批自己起草的时刻表：请由另一位审批员审批。",
    "csrf": "请求缺少有效的安全令牌，已拒绝。请返回页面刷新后重试。",
    "not_found": "页面不存在。",
    "scope_all": "全部",
    "scope_lines": "线路 {ids}",
    "scope_depots": "场站 {ids}",
}

_EN = {
    "app": "Tongchuan transit console",
    "html_lang": "en",
    "switch": "中文",
    "login_title": "Log in",
    "username": "Username",
    "password": "Password",
    "log_in": "Log in",
    "log_out": "Log out",
    "log_out_confirm": "Log out now?",
    "wrong_password": "Wrong username or password.",
    "expired": "Your session has expired: please log in again.",
    "logged_out": "You are logged out.",
    "form_expired": "The log-in form had expired (open too long?): please enter your details again.",
    "too_many_account": "Too many failed log-ins for this account: try again in {minutes} min.",
    "too_many_address": "Too many failed log-ins from this address: try again in {minutes} min.",
    "home_title": "Home",
    "logged_in_as": "Logged in as",
    "your_roles": "Roles and scopes",
    "reports_title": "Reports",
    "audit_title": "Audit log",
    "audit_csv": "Export CSV",
    "audit_empty": "No entries yet.",
    "older": "Older entries",
    "at": "At", "actor": "Actor", "role": "Role", "action": "Action", "object": "Object",
    "before": "Before", "after": "After", "reason": "Reason",
    "forbidden_title": "Not allowed",
    "refused_no_role": "None of your roles allows this.",
    "refused_out_of_scope": "This is outside the lines or depots your roles cover.",
    "refused_own_draft": "You drafted this timetable, so another approver must approve it.",
    "csrf": "The request carried no valid security token and was refused: go back, reload and retry.",
    "not_found": "No such page.",
    "scope_all": "all",
    "scope_lines": "lines {ids}",
    "scope_depots": "depots {ids}",
}

_ROLES = {
    "zh": {Role.VIEWER: "查看员", Role.DISPATCHER: "调度员", Role.PLANNER: "计划员",
           Role.APPROVER: "审批员", Role.SIGN_OPERATOR: "站牌操作员", Role.ADMIN: "管理员"},
    "en": {Role.VIEWER: "viewer", Role.DISPATCHER: "dispatcher", Role.PLANNER: "planner",
           Role.APPROVER: "approver", Role.SIGN_OPERATOR: "sign operator", Role.ADMIN: "admin"},
}

TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"zh": MappingProxyType(_ZH | texts_live.ZH | texts_approval.ZH | texts_signs.ZH | texts_reports.ZH
                            | texts_keys.ZH),
     "en": MappingProxyType(_EN | texts_live.EN | texts_approval.EN | texts_signs.EN | texts_reports.EN
                            | texts_keys.EN)})


def choose_language(asked: str | None, remembered: str | None) -> str:
    """The language of a request: the one asked in the URL, else the remembered one, else Chinese."""
    for lang in (asked, remembered):
        if lang in LANGUAGES:
            return lang
    return DEFAULT


def role_name(lang: str, role: Role) -> str:
    return _ROLES[lang][role]


def scope_name(lang: str, kind: ScopeKind, ids: frozenset[str]) -> str:
    return TEXTS[lang][f"scope_{kind}"].format(ids="、".join(sorted(ids)) if lang == "zh" else ", ".join(sorted(ids)))

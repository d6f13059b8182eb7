"""The texts residents, leads and volunteers receive, in Chinese (the people served read Chinese)."""

from __future__ import annotations

from datetime import datetime

from app.core.timeutil import to_local

# kind -> (subject, body); bodies are str.format templates over the values each caller passes.
TEMPLATES: dict[str, tuple[str, str]] = {
    "login_code": ("点单登录验证码", "您的验证码是{code}，{minutes}分钟内有效。请勿告诉他人。"),
    "order_accepted": ("您的点单已被接单", "您在{station}点的“{item}”（{code}）已由{team}接单，服务时间：{start}。"),
    "order_expired": (
        "您的点单已过期",
        "很抱歉，您在{station}点的“{item}”（{code}）在您选择的时间内未能安排服务，已过期。欢迎重新点单。",
    ),
    "order_cancelled": ("您的点单已取消", "您在{station}点的“{item}”（{code}）已取消。{reason}"),
    "order_completed": ("服务已完成，欢迎评单", "“{item}”（{code}）已完成服务，请为这次服务评分。"),
    "job_cancelled": ("服务任务已取消", "{start}在{station}的“{item}”（{code}）已取消，无需前往。"),
    "proposal_new": (
        "新派单待答复",
        "{team}收到新派单：{station}“{item}”（{code}），时间：{start}，请在{deadline}前接单或说明原因。",
    ),
    "roster_published": ("排班表已发布", "{owner} {week} 排班表（第{version}版）已发布：{summary}。"),
    "reminder": (
        "明日服务提醒",
        "提醒：{start}在{station}（{address}）有“{item}”（{code}）服务，您负责：{skill}。",
    ),
}


def local_text(moment: datetime) -> str:
    """A time as people read it: local, month, day and minute."""
    return to_local(moment).strftime("%m月%d日 %H:%M")


def render(kind: str, **values: object) -> tuple[str, str]:
    """The subject and body of a message kind."""
    subject, body = TEMPLATES[kind]
    return subject, body.format(**values)

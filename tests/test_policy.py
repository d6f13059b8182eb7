"""The access policy is one table (app/accounts/access.py POLICY): every action in it is used by an endpoint or a
page, every action named anywhere is in it, and no role is compared anywhere else (in code or in templates).
What each role may do is checked by the access walks (tests/api/test_access_matrix.py,
tests/views/test_access_pages.py), whose expectations are written apart from the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.accounts.access import POLICY

ROOT = Path(__file__).resolve().parents[1]
POLICY_MODULE = ROOT / "app" / "accounts" / "access.py"
# Calls that name a policy action as a string argument.
ACTION_CALLS = {"authorize", "allowed", "allows", "roles_for", "register_order_audience", "can"}
# The policy's role sets and rank, and the bare scope test: outside the policy a scope is asked with an action
# (`in_scope(user, "visits.manage", station)`), so that the table's scope rule is the one applied.
ROLE_SETS = {"STAFF_ROLES", "MANAGER_ROLES", "CREW_ROLES", "require_role", "ROLE_RANK", "station_in_scope"}
TEMPLATE_ROLE_TEST = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)")
TEMPLATE_ACTION = re.compile(r"""\bcan\(\s*["']([\w.]+)["']\s*\)""")


def _sources() -> list[Path]:
    files = [*(ROOT / "app").rglob("*.py"), *(ROOT / "schedules").rglob("*.py")]
    return sorted(p for p in files if p != POLICY_MODULE)


def _templates() -> list[Path]:
    return sorted((ROOT / "app").rglob("*.html"))


def _is_role(node: ast.AST) -> bool:
    """`x.role` on an instance; `User.role` is the column in a query filter, which decides nothing."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "role"
        and not (isinstance(node.value, ast.Name) and node.value.id == "User")
    )


def role_tests(source: str) -> list[int]:
    """Lines that compare a user's role, or use a role set, rank or role check of the policy's, outside it (a role
    used as a key for its label or home page decides nothing)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        compares_role = isinstance(node, ast.Compare) and any(_is_role(n) for n in (node.left, *node.comparators))
        names_a_role_set = (isinstance(node, ast.Name) and node.id in ROLE_SETS) or (
            isinstance(node, ast.alias) and node.name in ROLE_SETS
        )
        if compares_role or names_a_role_set:
            found.append(node.lineno)
    return found


def _named_actions(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ACTION_CALLS:
                names |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return names


def _actions_used() -> set[str]:
    from app.web.helpers import _NAV

    used: set[str] = {action for _label, _endpoint, action, _marks in _NAV if action is not None}
    for path in _sources():
        used |= _named_actions(path.read_text(encoding="utf-8"))
    for path in _templates():
        used |= set(TEMPLATE_ACTION.findall(path.read_text(encoding="utf-8")))
    return used


def test_the_detector_sees_a_role_comparison() -> None:
    assert role_tests("if user.role == 'admin':\n    pass\n") == [1]
    assert role_tests("x = user.role in ('a', 'b')\n") == [1]
    assert role_tests("rank = ROLE_RANK[actor.role]\n") == [1]
    assert role_tests("label = ROLE_LABELS[user.role]\n") == []
    assert role_tests("from app.accounts.access import STAFF_ROLES\n") == [1]
    assert role_tests("q = select(User).where(User.role == 'resident')\n") == []
    assert TEMPLATE_ROLE_TEST.search('{% if current_user.role == "admin" %}')


def test_no_role_is_compared_outside_the_policy_module() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        for line in role_tests(path.read_text(encoding="utf-8"))
    ]
    for path in _templates():
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TEMPLATE_ROLE_TEST.search(text):
                wrong.append(f"{path.relative_to(ROOT)}:{number}")
    assert wrong == [], "ask app.accounts.access (authorize / allowed / can) instead:\n" + "\n".join(wrong)


def test_every_action_in_the_table_is_used_by_an_endpoint_or_page() -> None:
    assert sorted(set(POLICY) - _actions_used()) == []


def test_every_action_named_is_in_the_table() -> None:
    assert sorted(_actions_used() - set(POLICY)) == []


def test_every_rule_names_known_roles_and_says_what_it_allows() -> None:
    from app.accounts.models import ROLES

    for action, rule in POLICY.items():
        assert rule.roles and rule.roles <= set(ROLES), action
        assert rule.says, action

"""Bulk import of volunteers from CSV or XLSX: every row checked in a preview, then committed once."""

from __future__ import annotations

import io
import threading

import pytest
from openpyxl import Workbook

from app.core.errors import ValidationFailed
from app.extensions import db
from app.volunteers import imports
from app.volunteers.models import Volunteer, VolunteerImport

HEADER = ["编号", "姓名", "电话", "站点", "队伍", "技能", "每周最多", "最远公里"]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    """An XLSX workbook holding a header and rows."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, headers, content: bytes, name: str = "register.xlsx"):
    return client.post(
        "/api/v1/volunteer-imports",
        data={"file": (io.BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


GOOD = [
    ["N001", "马兰", 13900000001, "PY-BY-01", "T-V-A1", "elder-care、household-visit", 2, 10],
    ["N002", "李强", "", "白阳镇中庄村新时代文明实践站", "", "政策宣讲", "", ""],
]


def test_preview_reports_each_faulty_row_and_imports_nothing(client, world, token_for) -> None:
    rows = [
        *GOOD,
        ["N001", "重复", "", "PY-BY-01", "", "", "", ""],  # the same code twice in the file
        ["V1", "已有", "", "PY-BY-01", "", "", "", ""],  # a code already registered
        ["N005", "", "12ab", "PY-CM-01", "T-X", "juggling", "99", "-3"],  # everything wrong, station outside
    ]
    response = upload(client, token_for("town"), xlsx(rows))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["valid"], body["invalid"]) == (2, 3)
    errors = {r["line"]: r["errors"] for r in body["rows"]}
    assert errors[2] == {} and errors[3] == {}
    assert set(errors[4]) == {"code"} and set(errors[5]) == {"code"}
    assert set(errors[6]) == {"name", "phone", "station", "team", "skills", "max_orders_per_week", "max_km"}
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 6


def test_commit_is_all_or_nothing_unless_told_to_skip_faulty_rows(client, world, token_for) -> None:
    headers = token_for("town")
    preview = upload(client, headers, xlsx([*GOOD, ["", "无编号", "", "PY-BY-01", "", "", "", ""]])).get_json()
    refused = client.post(f"/api/v1/volunteer-imports/{preview['id']}/commit", json={}, headers=headers)
    assert refused.status_code == 422 and "rows" in refused.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 6
    assert db.session.get(VolunteerImport, preview["id"]).status == "previewed"
    done = client.post(
        f"/api/v1/volunteer-imports/{preview['id']}/commit", json={"skip_invalid": True}, headers=headers
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["created"] == 2
    malan = db.session.scalar(db.select(Volunteer).where(Volunteer.code == "N001"))
    assert malan.team.code == "T-V-A1" and malan.phone == "13900000001" and malan.max_km == 10
    assert [s.code for s in malan.skills] == ["elder-care", "household-visit"]
    li = db.session.scalar(db.select(Volunteer).where(Volunteer.code == "N002"))
    assert li.station.code == "PY-BY-02" and li.max_orders_per_week == 3 and li.team is None
    assert [s.code for s in li.skills] == ["policy-lecture"]
    again = client.post(
        f"/api/v1/volunteer-imports/{preview['id']}/commit", json={"skip_invalid": True}, headers=headers
    )
    assert again.status_code == 409
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 8


def test_csv_in_gb18030_with_english_headings(client, world, token_for) -> None:
    text = "code,name,station,skills\nC1,王芳,PY-BY-01,elder-care\n"
    preview = upload(client, token_for("staff"), text.encode("gb18030"), "register.csv").get_json()
    assert preview["valid"] == 1 and preview["rows"][0]["name"] == "王芳"


def test_unreadable_files_are_refused_naming_the_file_field(client, world, token_for) -> None:
    headers = token_for("town")
    for content, name in ((b"not a workbook", "x.xlsx"), (b"code,name\n", "x.csv"), (b"a", "x.txt")):
        response = upload(client, headers, content, name)
        assert response.status_code == 422, name
        assert "file" in response.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(VolunteerImport.id))) == 0


def test_an_upload_is_only_its_uploaders(client, world, token_for) -> None:
    preview = upload(client, token_for("town"), xlsx(GOOD)).get_json()
    assert client.get(f"/api/v1/volunteer-imports/{preview['id']}", headers=token_for("county")).status_code == 404
    assert upload(client, token_for("volunteer"), xlsx(GOOD)).status_code == 403


def test_two_simultaneous_confirmations_import_once(app, world, token_for) -> None:
    """Against a served app on PostgreSQL: two threads confirm the same upload at the same moment."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not set (CI sets it to a PostgreSQL 15 database)")
    from werkzeug.serving import make_server

    headers = token_for("town")
    client = app.test_client()
    preview = upload(
        client, headers, xlsx([[f"P{i:04d}", f"志愿者{i}", "", "PY-BY-01", "", "", "", ""] for i in range(300)])
    ).get_json()
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    import http.client
    import json

    start = threading.Barrier(2)
    statuses: list[int] = []

    def confirm() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        start.wait()
        connection.request(
            "POST",
            f"/api/v1/volunteer-imports/{preview['id']}/commit",
            body=json.dumps({}),
            headers={**headers, "Content-Type": "application/json"},
        )
        statuses.append(connection.getresponse().status)
        connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    server.shutdown()
    serving.join(timeout=5)
    assert sorted(statuses) == [200, 409]
    assert db.session.scalar(db.select(db.func.count(Volunteer.id)).where(Volunteer.code.like("P%"))) == 300


def test_a_refused_commit_leaves_the_upload_unclaimed_without_a_rollback(world) -> None:
    user = world.users["town"]
    faulty = [*GOOD, ["", "无编号", "", "PY-BY-01", "", "", "", ""]]
    preview = imports.preview_import(user=user, filename="register.xlsx", content=xlsx(faulty))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        imports.commit_import(user=user, import_id=preview.upload.id)
    # Nothing rolled back: the refusal itself must not have claimed the upload.
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(VolunteerImport, preview.upload.id).status == "previewed"

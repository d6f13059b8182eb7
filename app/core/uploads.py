"""Checked spreadsheet uploads: read a CSV or XLSX file, keep its rows until staff confirm, and claim it once.

The volunteer register and the household list are both imported this way; each says what a row must hold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.core.errors import InvalidTransition, NotFound, ValidationFailed
from app.core.statements import rows_changed
from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db

MAX_ROWS = 20000


class UploadColumns:
    """The columns of an upload kept between its preview and the staff member's confirmation."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (CheckConstraint("status IN ('previewed', 'committed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="previewed")
    # The parsed rows as read from the file, each with its spreadsheet line number.
    rows: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_count: Mapped[int | None]
    skipped_count: Mapped[int | None]
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


Upload = TypeVar("Upload", bound=UploadColumns)


@dataclass
class RowCheck:
    """One row of the file and what is wrong with it (field -> message); no errors means it can be imported."""

    line: int
    values: dict
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class UploadPreview(Generic[Upload]):
    """An uploaded file's rows, checked."""

    upload: Upload
    rows: list[RowCheck] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def invalid(self) -> int:
        return len(self.rows) - self.valid


def keep_upload(model: type[Upload], *, user_id: int, filename: str, rows: list[dict]) -> Upload:
    """Keep a file's rows until the user who uploaded it confirms them."""
    upload = model()
    upload.created_by_id, upload.filename, upload.rows = user_id, filename[:200], rows
    db.session.add(upload)
    db.session.flush()
    return upload


def own_upload(model: type[Upload], *, user_id: int, upload_id: int) -> Upload:
    """An upload made by this user; any other is not found."""
    upload = db.session.get(model, upload_id)
    if upload is None or upload.created_by_id != user_id:
        raise NotFound("import not found", field="import_id")
    return upload


def claim_upload(preview: UploadPreview[Any], *, skip_invalid: bool) -> None:
    """Mark a previewed upload committed, once, refusing it while rows have errors unless they are to be skipped."""
    model = type(preview.upload)
    if preview.upload.status != "previewed":
        raise InvalidTransition("this import has already been committed", field="status")
    # Refused before the claim, so a refusal changes nothing stored (not only once the request rolls back).
    if preview.invalid and not skip_invalid:
        raise ValidationFailed(
            "some rows have errors: fix the file, or confirm importing only the valid rows", field="rows"
        )
    # Claim the upload in one statement so two confirmations cannot both import it.
    claimed = rows_changed(
        update(model)
        .where(model.id == preview.upload.id, model.status == "previewed")
        .values(status="committed", committed_at=utcnow())
    )
    if claimed != 1:
        raise InvalidTransition("this import has already been committed", field="status")


def count_created(preview: UploadPreview[Any], *, created: int) -> None:
    """Count what the commit created and what it left out."""
    preview.upload.created_count = created
    preview.upload.skipped_count = preview.invalid
    db.session.flush()


def read_table(*, filename: str, content: bytes) -> Sequence[Sequence[object]]:
    """The cells of a CSV or XLSX file (the first sheet), row by row; refused when empty or of another kind."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table: Sequence[Sequence[object]] = _xlsx_table(content)
    elif name.endswith(".csv"):
        table = _csv_table(content)
    else:
        raise ValidationFailed("the file must be .csv or .xlsx", field="file")
    if not table:
        raise ValidationFailed("the file is empty", field="file")
    return table


def column_names(heading: Sequence[object], headings: dict[str, str]) -> list[str | None]:
    """The column each heading cell names (Chinese or English, any case), None for a heading not known."""
    return [headings.get(str(h or "").strip().lower(), headings.get(str(h or "").strip())) for h in heading]


def table_rows(table: Sequence[Sequence[object]], header: list[str | None], columns: tuple[str, ...]) -> list[dict]:
    """The non-blank rows below the heading as dicts of text keyed by column, each with its line in the file."""
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {c: _text(cells[i]) if i < len(cells) else "" for i, c in enumerate(header) if c is not None}
        if any(values.values()):
            rows.append({"line": number, **{c: values.get(c, "") for c in columns}})
    if len(rows) > MAX_ROWS:
        raise ValidationFailed("the file has more rows than one import takes (20000)", field="file")
    if not rows:
        raise ValidationFailed("the file has no rows below its heading", field="file")
    return rows


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _csv_table(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [row for row in csv.reader(io.StringIO(text))]
    raise ValidationFailed("the CSV file is neither UTF-8 nor GB18030 text", field="file")


def _xlsx_table(content: bytes) -> list[list[object]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as error:
        raise ValidationFailed("the file is not a readable XLSX workbook", field="file") from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()

"""The two pages of a checked import (upload, then the preview to confirm), shared by every kind of import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from app.core.errors import DomainError
from app.core.uploads import UploadPreview
from app.web.pages import me, refusal_shown_on, refused

# How many rows a paged preview shows at once.
ROWS_PER_PAGE = 100


class ImportForm(FlaskForm):
    """The file to upload."""

    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Please choose a file."))])


class ImportConfirmForm(FlaskForm):
    """Confirm an import, optionally leaving out the faulty rows."""

    skip_invalid = BooleanField(_l("Import only the valid rows and leave out the rows with errors"))


def upload_page(
    read: Callable[..., UploadPreview[Any]], *, template: str, preview_endpoint: str, columns: Sequence[tuple]
) -> ResponseReturnValue:
    """The upload form: a file read and kept goes on to its preview; a refusal shows on the form."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        with refusal_shown_on(form):
            preview = read(user=me(), filename=upload.filename or "", content=upload.read())
            return redirect(url_for(preview_endpoint, import_id=preview.upload.id))
    return render_template(template, form=form, columns=columns)


def preview_page(
    import_id: int,
    *,
    get: Callable[..., UploadPreview[Any]],
    commit: Callable[..., UploadPreview[Any]],
    done: str,
    template: str,
    upload_endpoint: str,
    mask: Callable[[str | None], str],
    paged: bool,
) -> ResponseReturnValue:
    """The checked rows with their errors; confirming imports them once (done: the message id of the outcome)."""
    user = me()
    preview = get(user=user, import_id=import_id)
    form = ImportConfirmForm()
    if form.validate_on_submit():
        try:
            finished = commit(user=user, import_id=import_id, skip_invalid=form.skip_invalid.data)
        except DomainError as error:
            # The claim may have marked the upload committed before the refusal: undo it with the rest.
            flash(refused(error), "error")
        else:
            upload = finished.upload
            flash(_(done, n=upload.created_count, m=upload.skipped_count), "success")
        return redirect(url_for(request.endpoint or "", import_id=import_id))
    words = {"preview": preview, "form": form, "mask": mask, "upload_url": url_for(upload_endpoint)}
    if not paged:
        return render_template(template, rows=preview.rows[:500], **words)
    only_errors = request.args.get("show") == "errors"
    rows = [r for r in preview.rows if not r.ok] if only_errors else preview.rows
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    shown = rows[(page - 1) * ROWS_PER_PAGE : page * ROWS_PER_PAGE]
    return render_template(template, rows=shown, page=page, pages=pages, only_errors=only_errors, **words)

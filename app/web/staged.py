"""The pages of a spreadsheet import, the same for every import: upload, staged preview, confirm, discard.

:func:`add_pages` gives a blueprint the four pages of an import (its template shows the
upload form and, on the preview page, the rows); an import with pages of its own (the
ticket import and its progress bar) calls :func:`receive`, :func:`preview`,
:func:`confirm` and :func:`discard` from its views. Refusals go through ``app.web.flow``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.forms.upload import SpreadsheetUploadForm, StagedUploadForm
from app.services import NotFound, ServiceError, spreadsheets
from app.services.catalogue import gettext as _
from app.web import flow

MULTIPART_SLACK = 64 * 1024  # the form's framing around the file


def upload_form(posted: bool = False, description=None) -> SpreadsheetUploadForm:
    """The file field of an import page: empty, or (``posted``) holding what the request sent."""
    form = SpreadsheetUploadForm() if posted else SpreadsheetUploadForm(formdata=None)
    form.file.render_kw = {"accept": ",".join(spreadsheets.ALLOWED_EXTENSIONS)}
    if description is not None:
        form.file.description = description
    return form


def receive(importer: spreadsheets.StagedImport, preview_endpoint: str, description=None):
    """The upload form, and on a POST either the redirect to the preview or the status to show the form with.

    Returns (form, response or None, status).
    """
    limit = importer.max_bytes()
    too_big = request.method == "POST" and request.content_length and request.content_length > limit + MULTIPART_SLACK
    # a request far over the limit is refused without reading its body into a form
    form = upload_form(request.method == "POST" and not too_big, description)
    if request.method != "POST":
        return form, None, 200
    if too_big:
        refusal = spreadsheets.TableFileError(_("文件太大，单次导入上限为 %(max)s，请拆分后导入。",
                                                max=spreadsheets.file_size(limit)))
        return form, None, flow.refused(refusal, form)
    if not form.validate_on_submit():
        return form, None, flow.form_invalid()
    try:
        staged = importer.upload(form.file.data.stream, form.file.data.filename, current_user)
    except ServiceError as exc:
        return form, None, flow.refused(exc, form)
    return form, redirect(url_for(preview_endpoint, token=staged.token)), 302


def preview(importer: spreadsheets.StagedImport, token: str, upload_endpoint: str):
    """(staged upload, preview, None), or (None, None, redirect to the upload page with the reason)."""
    try:
        staged, found = importer.preview(token, current_user)
    except ServiceError as exc:
        flow.refused(exc)
        return None, None, redirect(url_for(upload_endpoint))
    return staged, found, None


def _checked_form() -> None:
    if not StagedUploadForm().validate_on_submit():
        abort(400)


def confirm(importer: spreadsheets.StagedImport, token: str, upload_endpoint: str, preview_endpoint: str):
    """(what the import returned, None), or (None, the redirect that says why nothing was imported)."""
    _checked_form()
    try:
        return importer.confirm(token, current_user), None
    except (spreadsheets.AlreadyImported, spreadsheets.Expired, NotFound) as exc:
        flow.refused(exc)  # the upload is no longer there to preview
        return None, redirect(url_for(upload_endpoint))
    except ServiceError as exc:
        flow.refused(exc)
        return None, redirect(url_for(preview_endpoint, token=token))


def discard(importer: spreadsheets.StagedImport, token: str) -> bool:
    """Cancel a staged upload (its file goes); False when there was nothing to cancel."""
    _checked_form()
    try:
        importer.discard(token, current_user)
    except ServiceError:
        return False
    return True


def add_pages(bp: Blueprint, importer: spreadsheets.StagedImport, template: str, may_import: Callable,
              imported: Callable, **context) -> None:
    """Give ``bp`` an import's pages: /import (choose a file), /import/<token> (its preview), …/confirm, …/discard.

    ``may_import(user)`` guards them (403 otherwise); ``imported(result)`` tells what was imported (a flash) and
    returns where to go. The endpoints are ``import_page``, ``import_preview``, ``import_confirm`` and
    ``import_discard``; ``context`` goes to the template, which gets ``form`` and ``preview`` (None on the
    upload page), and on the preview page ``staged`` and ``confirm_form``.
    """
    upload_page, preview_page = f"{bp.name}.import_page", f"{bp.name}.import_preview"

    def guard() -> None:
        if not may_import(current_user):
            abort(403)

    def import_page():
        guard()
        form, done, status = receive(importer, preview_page)
        if done is not None:
            return done
        return render_template(template, form=form, preview=None, **context), status

    def import_preview(token):
        guard()
        staged, found, back = preview(importer, token, upload_page)
        if back is not None:
            return back
        return render_template(template, form=upload_form(), preview=found, staged=staged,
                               confirm_form=StagedUploadForm(), **context)

    def import_confirm(token):
        guard()
        result, back = confirm(importer, token, upload_page, preview_page)
        return back if back is not None else imported(result)

    def import_discard(token):
        guard()
        if discard(importer, token):
            flash(_("已取消导入，上传的文件已删除。"), "info")
        return redirect(url_for(upload_page))

    bp.add_url_rule("/import", "import_page", import_page, methods=["GET", "POST"])
    bp.add_url_rule("/import/<token>", "import_preview", import_preview)
    bp.add_url_rule("/import/<token>/confirm", "import_confirm", import_confirm, methods=["POST"])
    bp.add_url_rule("/import/<token>/discard", "import_discard", import_discard, methods=["POST"])

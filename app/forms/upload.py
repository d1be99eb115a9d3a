"""The forms of every spreadsheet import: choose a file, then confirm (or discard) its preview."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app.services.catalogue import lazy_gettext as _l


class SpreadsheetUploadForm(FlaskForm):
    file = FileField(_l("Excel 或 CSV 文件"), validators=[FileRequired(message=_l("请选择要导入的文件。"))])


class StagedUploadForm(FlaskForm):
    """Confirm or discard a staged upload: the CSRF token is the whole form (the upload is in the address)."""

"""上传暂存: a spreadsheet uploaded for import, kept on the server between its preview and its confirmation."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, UTCDateTime
from app.models.user import User


class StagedUpload(db.Model):
    """One upload waiting to be confirmed (or confirmed once); its file is under JIESU_UPLOAD_DIR."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # in the preview page's address
    purpose: Mapped[str] = mapped_column(String(20))  # which import: tickets, roster, enterprises ...
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)  # only the uploader sees it
    filename: Mapped[str] = mapped_column(String(255))  # as the browser named it
    file_type: Mapped[str] = mapped_column(String(8))  # xlsx / csv
    stored_path: Mapped[str] = mapped_column(String(255))  # relative to the upload folder, named by checksum
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict | None] = mapped_column(JSONText())  # a preview kept for the page, where reading is slow
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # imported: never again

    user: Mapped[User] = relationship()

"""Files users upload (call recordings, evidence documents ...): checked, stored by checksum, served back.

Content is recognised by its first bytes, not by the name the browser sends. Files are
stored under JIESU_UPLOAD_DIR by SHA-256 (the same content is stored once); the row that
refers to a file is written in the transaction of the change it belongs to.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.services import ServiceError, _

AUDIO_TYPES = {  # kind -> (extension, MIME type)
    "mp3": ("mp3", "audio/mpeg"),
    "wav": ("wav", "audio/wav"),
    "m4a": ("m4a", "audio/mp4"),
    "amr": ("amr", "audio/amr"),
}
MAX_AUDIO_BYTES = 50 * 1024 * 1024


def sniff_audio(head: bytes) -> str | None:
    """The audio format from the file's first bytes (common phone-recorder formats)."""
    if head.startswith(b"#!AMR"):
        return "amr"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


@dataclass
class StoredFile:
    original_name: str
    content_type: str
    size: int
    sha256: str
    stored_path: str  # relative to the upload folder


def upload_root() -> Path:
    return Path(current_app.config["JIESU_UPLOAD_DIR"])


def store_audio(upload, label: str) -> StoredFile:
    """Check and store an uploaded recording; raises ServiceError naming what is wrong."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ServiceError(_("请选择%(label)s文件。", label=label))
    data = upload.read(MAX_AUDIO_BYTES + 1)
    if len(data) > MAX_AUDIO_BYTES:
        raise ServiceError(_("%(label)s超过 50 MB，请压缩后再上传。", label=label))
    if not data:
        raise ServiceError(_("%(label)s是空文件。", label=label))
    kind = sniff_audio(data[:16])
    if kind is None:
        raise ServiceError(_("%(label)s不是支持的录音格式（mp3、wav、m4a、amr）。", label=label))
    extension, content_type = AUDIO_TYPES[kind]
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("recordings") / digest[:2] / f"{digest}.{extension}"
    target = upload_root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # atomic: a crash leaves no half-written recording
    return StoredFile(os.path.basename(upload.filename)[:200], content_type, len(data), digest, str(relative))


DOCUMENT_TYPES = {  # kind -> (extension, MIME type): evidence for exclusions and appeals
    "pdf": ("pdf", "application/pdf"),
    "jpg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def sniff_document(data: bytes) -> str | None:
    """The document format from the file's bytes (a .docx is a zip holding word/document.xml)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def store_document(upload, label: str) -> StoredFile:
    """Check and store an uploaded evidence document; raises ServiceError naming what is wrong."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ServiceError(_("请选择%(label)s文件。", label=label))
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ServiceError(_("%(label)s超过 20 MB，请压缩后再上传。", label=label))
    if not data:
        raise ServiceError(_("%(label)s是空文件。", label=label))
    kind = sniff_document(data)
    if kind is None:
        raise ServiceError(_("%(label)s不是支持的文件格式（PDF、JPG、PNG、DOCX）。", label=label))
    extension, content_type = DOCUMENT_TYPES[kind]
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("documents") / digest[:2] / f"{digest}.{extension}"
    target = upload_root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # atomic: a crash leaves no half-written file
    return StoredFile(os.path.basename(upload.filename)[:200], content_type, len(data), digest, str(relative))


def store_upload(upload, spec: dict) -> StoredFile:
    """A BPMN form's file field: property kind="document" takes evidence documents, else recordings."""
    if (spec.get("properties") or {}).get("kind") == "document":
        return store_document(upload, spec["label"])
    return store_audio(upload, spec["label"])


def absolute_path(stored_path: str) -> Path:
    root = upload_root().resolve()
    path = (root / stored_path).resolve()
    if root not in path.parents:
        raise ServiceError(_("文件路径无效。"))
    return path


def verify(stored_path: str, sha256: str) -> bool:
    """The stored bytes still have the checksum recorded at upload."""
    path = absolute_path(stored_path)
    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256

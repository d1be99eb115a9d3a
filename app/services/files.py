"""Files users upload (call recordings, evidence documents ...): checked, stored by checksum, served back.

Content is recognised by its first bytes, not by the name the browser sends. Files are
stored under JIESU_UPLOAD_DIR by SHA-256 (the same content is stored once); the row that
refers to a file is written in the transaction of the change it belongs to.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
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


class Refused(Exception):
    """A file the store will not keep: ``reason`` is too_big, empty or bad_type."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


CHUNK = 64 * 1024


def store_stream(stream, folder: str, sniff, max_bytes: int) -> tuple[str, str, int, str]:
    """Stream an upload to disk, check it, keep it once by SHA-256 under ``folder``.

    ``sniff(head, path)`` returns the file's kind (a key of ``types`` the caller knows) or None;
    returns (kind, sha256, size, stored path relative to the upload folder). The bytes go to a
    temporary file in the upload folder and are renamed only once checked, so a crash or a
    refusal never leaves a half-written file under a final name.
    """
    root = upload_root() / folder
    root.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                head = (head + chunk)[:16] if len(head) < 16 else head
                size += len(chunk)
                if size > max_bytes:
                    raise Refused("too_big")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Refused("empty")
        kind = sniff(head, Path(tmp_name))
        if kind is None:
            raise Refused("bad_type")
        return kind, digest.hexdigest(), size, tmp_name
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def keep(tmp_name: str, relative: str) -> None:
    """Give a checked temporary file its final, content-addressed name (the same content once)."""
    final = upload_root() / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        os.unlink(tmp_name)
    else:
        os.replace(tmp_name, final)


def remove(relative: str) -> None:
    """Delete a stored file (a staged upload once imported or expired); gone already is fine."""
    absolute_path(relative).unlink(missing_ok=True)


def _store_typed(upload, label: str, folder: str, types: dict, sniff, max_bytes: int) -> tuple[StoredFile, str]:
    if upload is None or not getattr(upload, "filename", ""):
        raise ServiceError(_("请选择%(label)s文件。", label=label))
    kind, digest, size, tmp_name = store_stream(upload.stream, folder, sniff, max_bytes)
    extension, content_type = types[kind]
    relative = f"{folder}/{digest[:2]}/{digest}.{extension}"
    keep(tmp_name, relative)
    return StoredFile(os.path.basename(upload.filename)[:200], content_type, size, digest, relative), kind


def store_audio(upload, label: str) -> StoredFile:
    """Check and store an uploaded recording; raises ServiceError naming what is wrong."""
    try:
        return _store_typed(upload, label, "recordings", AUDIO_TYPES, lambda head, _path: sniff_audio(head),
                            MAX_AUDIO_BYTES)[0]
    except Refused as refused:
        raise ServiceError({
            "too_big": _("%(label)s超过 50 MB，请压缩后再上传。", label=label),
            "empty": _("%(label)s是空文件。", label=label),
            "bad_type": _("%(label)s不是支持的录音格式（mp3、wav、m4a、amr）。", label=label),
        }[refused.reason]) from refused


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
    try:
        return _store_typed(upload, label, "documents", DOCUMENT_TYPES,
                            lambda _head, path: sniff_document(path.read_bytes()), MAX_DOCUMENT_BYTES)[0]
    except Refused as refused:
        raise ServiceError({
            "too_big": _("%(label)s超过 20 MB，请压缩后再上传。", label=label),
            "empty": _("%(label)s是空文件。", label=label),
            "bad_type": _("%(label)s不是支持的文件格式（PDF、JPG、PNG、DOCX）。", label=label),
        }[refused.reason]) from refused


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
    if not path.exists():
        return False
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256

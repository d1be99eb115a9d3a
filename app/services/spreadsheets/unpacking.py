"""An .xlsx is a zip: its members' sizes are checked before openpyxl unpacks anything (a zip bomb).

A 3 MB upload whose sheet unpacks to gigabytes kept a worker busy for a minute and took gigabytes of
memory. The sizes come from the zip's central directory, which is what openpyxl's ``zipfile`` reads
by too: ``zipfile`` stops a member at its declared size (and fails its CRC when the data is longer),
so a lying directory cannot unpack more than it declares.
"""

from __future__ import annotations

import zipfile

from app.services import _

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all members together; a full 20 MB import unpacks to well under it
MAX_RATIO = 500  # uncompressed / compressed of one member: real sheets stay under 100, deflate tops at ~1030
RATIO_FROM_BYTES = 1024 * 1024  # a smaller member's ratio says nothing (an empty styles part compresses well)


class Refused(ValueError):
    """The archive is not one a spreadsheet program writes; the message is for the user."""


def check(source, filename: str) -> None:
    """Refuse an archive that unpacks too large or too well; ``zipfile.BadZipFile`` for one that is no zip.

    ``source`` is a binary file object, left at its start for openpyxl.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    finally:
        source.seek(0)
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise Refused(_("文件“%(name)s”解压后过大（超过 %(max)s MB），不像正常的 Excel 表格，已拒绝。",
                        name=filename, max=MAX_UNPACKED_BYTES // (1024 * 1024)))
    for member in members:
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise Refused(_("文件“%(name)s”中的“%(part)s”压缩比异常（超过 %(ratio)s 倍），不像正常的 Excel 表格，已拒绝。",
                            name=filename, part=member.filename[:80], ratio=MAX_RATIO))

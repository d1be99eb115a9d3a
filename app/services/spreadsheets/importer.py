"""One pipeline for every spreadsheet import: upload -> staged file -> preview -> confirm (or discard).

An import is a :class:`StagedImport` with its layout, who may use it (``authorize``), how
its rows compare with what is stored (``check``, writing nothing) and how they are
written (``apply``, inside the confirmation's transaction, together with marking the
upload confirmed: all or nothing, once). The preview is computed again from the staged
file on each visit, so it survives a reload and shows what is true now; an import whose
file is slow to read keeps a summary instead (``summarise``) and may confirm in the
background (the ticket import).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from app.models import StagedUpload, User
from app.services import Conflict, _l
from app.services.spreadsheets import staging
from app.services.spreadsheets.reading import Layout, Table, read_table
from app.services.uow import unit_of_work


class StagedImport:
    """One kind of import: its staged uploads' ``purpose``, its ``layout``, and three functions.

    ``authorize(user)`` raises PermissionDenied unless the user may import this kind of file;
    ``check(table)`` is the preview (every row sorted against what is stored now, nothing
    written); ``apply(table, actor)`` writes the rows inside the confirmation's transaction
    and raises ServiceError to write nothing. An import that needs more overrides methods.
    """

    def __init__(self, purpose: str, layout: Layout, authorize: Callable, check: Callable,
                 apply: Callable | None = None, conflict_message=None):
        self.purpose, self.layout = purpose, layout  # an upload for one import is never confirmed by another
        self._authorize, self._check, self._apply = authorize, check, apply
        self.conflict_message = conflict_message or _l("导入时数据被他人同时修改，请重新上传预览后再导入。")

    def authorize(self, user: User) -> None:
        self._authorize(user)

    def check(self, table: Table):
        return self._check(table)

    def apply(self, table: Table, actor: User):
        return self._apply(table, actor)

    def summarise(self, table: Table, preview) -> dict | None:
        """What to keep with the staged upload for the preview page (None: read the file again)."""
        return None

    def max_bytes(self) -> int:
        return self.layout.max_bytes

    # -- the pipeline ---------------------------------------------------------------------------------
    def read(self, path: Path, filename: str) -> Table:
        return read_table(path, self.layout, filename, max_bytes=self.max_bytes())

    def upload(self, stream, filename: str, user: User) -> StagedUpload:
        """Keep an upload on the server and check it; a file that cannot be imported at all is refused."""
        self.authorize(user)

        def read_and_check(path: Path, name: str):
            table = self.read(path, name)
            return table, self.check(table)

        staged, _result = staging.stage(stream, filename, user, self.purpose, read_and_check, self.max_bytes(),
                                        summary=lambda result: self.summarise(*result))
        return staged

    def preview(self, token: str, user: User):
        """(staged upload, preview) of the user's upload, read again from the kept file."""
        self.authorize(user)
        staged = staging.find(token, user, self.purpose)
        return staged, self.check(self.read(staging.path(staged), staged.filename))

    def confirm(self, token: str, user: User):
        """Import the staged file once: the rows and the confirmation in one transaction."""
        self.authorize(user)
        try:
            with unit_of_work(self.conflict_message):
                staged = staging.claim(token, user, self.purpose)
                stored = staged.stored_path
                result = self.apply(self.read(staging.path(staged), staged.filename), user)
        except IntegrityError as exc:  # someone stored one of the same rows meanwhile
            raise Conflict(str(self.conflict_message)) from exc
        staging.release(stored)
        return result

    def discard(self, token: str, user: User) -> None:
        self.authorize(user)
        staging.discard(token, user, self.purpose)

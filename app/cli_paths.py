"""The CLI's file arguments, refused in Chinese (click's own messages are English)."""

from __future__ import annotations

import os

import click


class ExistingFile(click.ParamType):
    """A file that exists and can be read: its path as text."""

    name = "文件"

    def convert(self, value, param, ctx):
        path = os.fspath(value)
        if not os.path.exists(path):
            self._refuse(f"文件 {path} 不存在")
        if os.path.isdir(path):
            self._refuse(f"{path} 是文件夹，不是文件")
        if not os.access(path, os.R_OK):
            self._refuse(f"文件 {path} 无法读取（没有读取权限）")
        return path

    @staticmethod
    def _refuse(message: str):
        """The message alone, in Chinese (click's usage errors add English around it); exit status 2, as click's."""
        click.echo(f"错误：{message}", err=True)
        raise click.exceptions.Exit(2)


EXISTING_FILE = ExistingFile()

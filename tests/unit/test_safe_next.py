"""Redirect targets taken from a request are paths of this site only (no open redirect)."""

import pytest

from app.web.flow import is_local


@pytest.mark.parametrize("target", ["/", "/tickets/3", "/tickets/?page=2#notes", "/inbox?tab=claimable"])
def test_paths_of_the_site_are_followed(target):
    assert is_local(target)


@pytest.mark.parametrize("target", [
    "", None, "//evil.example.com/x", "/\\evil.example.com", "/\\/evil.example.com", "https://evil.example.com/",
    "http:/evil.example.com", "evil.example.com", "javascript:alert(1)", "/tickets\\..\\x", "/\x00//evil",
    "/\t//evil.example.com", "\\\\evil.example.com",
])
def test_anything_else_is_refused(target):
    assert not is_local(target)

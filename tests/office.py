"""LibreOffice headless for tests: convert a document and read back what a person would see.

On CI (CI=true) a missing `soffice` is a failure with a clear message, never a silent skip;
on a developer machine without LibreOffice the rendering tests are skipped.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL_HINT = ("LibreOffice (soffice) is not installed. Install it with: apt-get install -y "
                "--no-install-recommends libreoffice-writer-nogui fonts-noto-cjk "
                "(CI: scripts/ensure-libreoffice)")


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path:
        return path
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI requires the document rendering check: {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"local run without LibreOffice: {INSTALL_HINT}")


def convert(data: bytes, suffix: str, target: str) -> bytes:
    """Convert `data` (a file ending in `suffix`) with soffice to `target` (e.g. "pdf", "csv")."""
    binary = soffice()
    with tempfile.TemporaryDirectory(prefix="zwxmt-office-") as tmp:
        work = Path(tmp)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        # an own profile: parallel soffice runs with a shared profile block each other
        profile = (work / "profile").as_uri()
        done = subprocess.run([binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
                               "--outdir", str(work / "out"), str(source)],
                              capture_output=True, timeout=180, text=True)
        produced = list((work / "out").glob("input.*")) if (work / "out").exists() else []
        assert done.returncode == 0 and produced, f"soffice failed: {done.stdout} {done.stderr}"
        return produced[0].read_bytes()


def pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def squeeze(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines and spaces where the layout does."""
    return "".join(text.split())

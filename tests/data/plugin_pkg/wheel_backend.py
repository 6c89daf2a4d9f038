"""A PEP 517 build backend that builds a pure-Python wheel of this folder's packages (``build_wheel`` only).

The name, version and entry points come from ``pyproject.toml``; the wheel holds every package folder
here (a folder with an ``__init__.py``) and the ``.dist-info`` that pip installs and
``importlib.metadata`` reads.
"""
from __future__ import annotations

import base64
import hashlib
import re
import sys
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HERE = Path(__file__).resolve().parent


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """Write the wheel into ``wheel_directory``; return its file name."""
    project = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]
    dist = re.sub(r"[-_.]+", "_", project["name"])
    version = project["version"]
    info = f"{dist}-{version}.dist-info"
    files = {str(path.relative_to(HERE)): path.read_bytes()
             for package in HERE.iterdir() if (package / "__init__.py").is_file()
             for path in sorted(package.rglob("*.py"))}
    groups = project.get("entry-points", {})
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {version}\n"
                                 f"Summary: {project.get('description', '')}\n").encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: wheel_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/entry_points.txt"] = "".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items()) + "\n"
        for group, points in groups.items()).encode()
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()
    name = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return name


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

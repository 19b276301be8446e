"""A PEP 517 build backend in the source tree, standard library only.

pip builds a package in an isolated environment into which it first installs the build
backend the package names (setuptools, flit, ...), from the network. This package's
backend is this file, which needs nothing, so `pip install ./client/python` works on a
machine with no network. It builds the one pure-Python wheel the package is.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

NAME = "switchyard_client"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "switchyard"


def _version():
    with open(os.path.join(HERE, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def _metadata():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (f"Metadata-Version: 2.1\nName: switchyard-client\nVersion: {_version()}\n"
            "Summary: Python client for switchyardd, the LLM fallback sidecar\n"
            "Requires-Python: >=3.9\nRequires-Dist: msgpack>=1.0\n"
            "Description-Content-Type: text/markdown\n\n" + readme)


def _sources():
    for name in sorted(os.listdir(os.path.join(HERE, PACKAGE))):
        if name.endswith(".py") or name == "py.typed":
            yield f"{PACKAGE}/{name}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def _digest(data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={d},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    info = f"{NAME}-{version}.dist-info"
    wheel_name = f"{NAME}-{version}-py3-none-any.whl"
    files = []
    for path in _sources():
        with open(os.path.join(HERE, path), "rb") as f:
            files.append((path, f.read()))
    files.append((f"{info}/METADATA", _metadata().encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: switchyard_build\n"
                  b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = "".join(f"{p},{_digest(d)}\n" for p, d in files) + f"{info}/RECORD,,\n"
    files.append((f"{info}/RECORD", record.encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            z.writestr(path, data)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{_version()}"
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for path in ["pyproject.toml", "README.md", "_build/switchyard_build.py",
                     *_sources()]:
            t.add(os.path.join(HERE, path), arcname=f"{base}/{path}")
        pkg_info = _metadata().encode()
        ti = tarfile.TarInfo(f"{base}/PKG-INFO")
        ti.size = len(pkg_info)
        t.addfile(ti, io.BytesIO(pkg_info))
    return name

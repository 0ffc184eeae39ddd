"""Generate the Python protobuf and gRPC code for protos/ into server/.

This is the project's one code-generation command (``make proto``). The
staleness test calls :func:`generate` into a scratch directory and compares
the result with what is committed, so never edit ``server/fillgate/v1`` by hand.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
PACKAGE_DIR = Path("fillgate") / "v1"
INIT_TEXT = '"""Generated protobuf and gRPC code for fillgate.v1 (see tools/genproto.py)."""\n'


def proto_files() -> list[Path]:
    """Return the contract's .proto files, sorted so output is reproducible."""
    return sorted((PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))


def generate(out_root: Path) -> list[Path]:
    """Generate code for every proto under ``out_root/fillgate/v1``; return the files written."""
    from grpc_tools import protoc

    well_known = resources.files("grpc_tools") / "_proto"
    target = out_root / PACKAGE_DIR
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*_pb2*.py*"):
        stale.unlink()
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    (target / "__init__.py").write_text(INIT_TEXT)
    return sorted(p for p in target.iterdir() if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "server")
    ns = parser.parse_args(argv)
    for path in generate(ns.out):
        print(path.relative_to(ns.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

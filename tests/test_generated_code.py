"""The committed generated code must equal what `make proto` produces from protos/."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _genproto():
    spec = importlib.util.spec_from_file_location("genproto", ROOT / "tools" / "genproto.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["genproto"] = module
    spec.loader.exec_module(module)
    return module


def test_generated_code_matches_protos_else_run_make_proto(tmp_path):
    fresh = _genproto().generate(tmp_path)
    committed_dir = ROOT / "server" / "fillgate" / "v1"
    fresh_names = sorted(p.name for p in fresh)
    committed_names = sorted(
        p.name for p in committed_dir.iterdir() if p.is_file() and p.suffix in (".py", ".pyi")
    )
    assert committed_names == fresh_names, "generated file set is stale: run `make proto`"
    stale = [p.name for p in fresh if (committed_dir / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"stale generated code in {stale}: run `make proto`"

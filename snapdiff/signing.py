"""Signing bundle manifests with OpenSSH ed25519 keys, in the SSHSIG format of ``ssh-keygen -Y``.

The signature is over the manifest JSON exactly as stored in the bundle, under the namespace
``snapdiff-bundle``, so ``ssh-keygen -Y verify -n snapdiff-bundle`` checks it too (see
docs/bundles.md). The cryptography comes from the ``cryptography`` package; this module only
lays out the SSHSIG envelope (PROTOCOL.sshsig in OpenSSH: length-prefixed strings).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SnapdiffError

if TYPE_CHECKING:  # cryptography is imported when a key is used: readers need not pay for it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

NAMESPACE = "snapdiff-bundle"
PASSPHRASE_ENV = "SNAPDIFF_KEY_PASSPHRASE"
TRUSTED_KEYS_ENV = "SNAPDIFF_TRUSTED_KEYS"
_MAGIC = b"SSHSIG"
_VERSION = 1
_HASH = "sha512"
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
_KEY_TYPE = "ssh-ed25519"


class SignatureError(SnapdiffError):
    """A signature is missing, malformed, wrong, or made by a key that is not trusted."""


@dataclass(frozen=True)
class TrustedKey:
    """A public key allowed to sign bundles, and where it came from (for messages)."""

    blob: bytes  # the SSH wire encoding of the public key
    origin: str
    principals: str = ""

    @property
    def fingerprint(self) -> str:
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"


def _string(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def _read_string(buf: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(buf):
        raise ValueError("truncated")
    (n,) = struct.unpack(">I", buf[pos : pos + 4])
    if pos + 4 + n > len(buf):
        raise ValueError("truncated")
    return buf[pos + 4 : pos + 4 + n], pos + 4 + n


def _public_blob(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return base64.b64decode(line.split()[1])


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An OpenSSH ed25519 private key; an encrypted one takes its passphrase from
    ``$SNAPDIFF_KEY_PASSPHRASE``."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        data = path.read_bytes()
    except OSError as e:
        raise SnapdiffError(f"cannot read signing key {path}: {e.strerror}") from None
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        try:
            key = serialization.load_ssh_private_key(data, password=None)
        except TypeError:  # encrypted, and no password given
            if not passphrase:
                raise SnapdiffError(
                    f"signing key {path} is encrypted: set {PASSPHRASE_ENV} to its passphrase"
                ) from None
            key = serialization.load_ssh_private_key(data, password=passphrase.encode())
    except UnsupportedAlgorithm as e:
        raise SnapdiffError(f"cannot load signing key {path}: {e}") from None
    except ValueError as e:
        if passphrase and b"aes256" in _decoded_key(data):
            raise SnapdiffError(
                f"cannot decrypt signing key {path}: wrong passphrase in {PASSPHRASE_ENV}"
            ) from None
        why = str(e)
        raise SnapdiffError(
            f"{path} is not a usable OpenSSH private key ({why}); make one with"
            " ssh-keygen -t ed25519"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SnapdiffError(f"{path} is not an ed25519 key; make one with ssh-keygen -t ed25519")
    return key


def _decoded_key(data: bytes) -> bytes:
    """The binary body of an OpenSSH private key file (to tell an encrypted one), or b''."""
    try:
        lines = data.decode("ascii").strip().splitlines()
        return base64.b64decode("".join(lines[1:-1]))
    except (UnicodeDecodeError, ValueError):
        return b""


def sign(message: bytes, key: Ed25519PrivateKey, namespace: str = NAMESPACE) -> str:
    """An armored SSHSIG signature of ``message`` (what ``ssh-keygen -Y sign`` writes)."""
    h = hashlib.sha512(message).digest()
    signed = _MAGIC + _string(namespace.encode()) + _string(b"") + _string(_HASH.encode())
    raw = key.sign(signed + _string(h))
    blob = (
        _MAGIC
        + struct.pack(">I", _VERSION)
        + _string(_public_blob(key.public_key()))
        + _string(namespace.encode())
        + _string(b"")
        + _string(_HASH.encode())
        + _string(_string(_KEY_TYPE.encode()) + _string(raw))
    )
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([_BEGIN, *lines, _END]) + "\n"


def signer(armored: str) -> bytes:
    """The public key blob inside a signature (not yet verified)."""
    return _parse(armored)[0]


def _parse(armored: str) -> tuple[bytes, str, str, bytes]:
    """(public key blob, namespace, hash algorithm, raw ed25519 signature)."""
    text = armored.strip()
    if not (text.startswith(_BEGIN) and text.endswith(_END)):
        raise SignatureError("the signature is not an SSH signature")
    try:
        blob = base64.b64decode("".join(text[len(_BEGIN) : -len(_END)].split()), validate=True)
        if blob[:6] != _MAGIC or struct.unpack(">I", blob[6:10])[0] != _VERSION:
            raise ValueError("not SSHSIG version 1")
        pub, pos = _read_string(blob, 10)
        ns, pos = _read_string(blob, pos)
        _reserved, pos = _read_string(blob, pos)
        alg, pos = _read_string(blob, pos)
        sig, pos = _read_string(blob, pos)
        kind, p2 = _read_string(sig, 0)
        raw, _ = _read_string(sig, p2)
        if kind != _KEY_TYPE.encode():
            raise ValueError(f"a {kind.decode(errors='replace')} signature, not ed25519")
        return pub, ns.decode(), alg.decode(), raw
    except (ValueError, struct.error) as e:
        raise SignatureError(f"the signature is malformed ({e})") from None


def verify(armored: str, message: bytes, trusted: list[TrustedKey]) -> TrustedKey:
    """The trusted key that made this signature of ``message``, or SignatureError."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    pub, ns, alg, raw = _parse(armored)
    if ns != NAMESPACE:
        raise SignatureError(f"the signature is for {ns!r}, not {NAMESPACE!r}")
    match = next((t for t in trusted if t.blob == pub), None)
    if match is None:
        fp = TrustedKey(pub, "").fingerprint
        raise SignatureError(f"signed by {fp}, which is not a trusted key")
    if alg not in ("sha512", "sha256"):
        raise SignatureError(f"the signature uses hash {alg!r}")
    h = hashlib.new(alg, message).digest()
    signed = _MAGIC + _string(ns.encode()) + _string(b"") + _string(alg.encode()) + _string(h)
    try:
        kind, pos = _read_string(pub, 0)
        key_bytes, _ = _read_string(pub, pos)
        if kind != _KEY_TYPE.encode():
            raise ValueError("not an ed25519 key")
        Ed25519PublicKey.from_public_bytes(key_bytes).verify(raw, signed)
    except (InvalidSignature, ValueError):
        raise SignatureError(
            f"the signature by {match.fingerprint} does not match the manifest (tampered)"
        ) from None
    return match


def _key_from_fields(kind: str, b64: str, origin: str, principals: str = "") -> TrustedKey:
    try:
        blob = base64.b64decode(b64, validate=True)
        if _read_string(blob, 0)[0] != kind.encode():
            raise ValueError("key type and key do not agree")
    except ValueError as e:
        raise SnapdiffError(f"{origin}: not an OpenSSH public key ({e})") from None
    return TrustedKey(blob, origin, principals)


def load_public_key(path: Path) -> TrustedKey:
    """A ``KEY.pub`` file as ``ssh-keygen`` writes it: ``ssh-ed25519 BASE64 [comment]``."""
    try:
        fields = path.read_text(encoding="utf-8", errors="replace").split()
    except OSError as e:
        raise SnapdiffError(f"cannot read trusted key {path}: {e.strerror}") from None
    if len(fields) < 2 or not fields[0].startswith(("ssh-", "ecdsa-", "sk-")):
        raise SnapdiffError(f"{path} is not an OpenSSH public key (ssh-ed25519 AAAA... expected)")
    return _key_from_fields(fields[0], fields[1], str(path))


def load_allowed_signers(path: Path) -> list[TrustedKey]:
    """The keys of an ``ssh-keygen -Y`` allowed-signers file allowed to sign bundles: lines of
    ``principals [options] keytype base64 [comment]``. A line whose ``namespaces=`` option
    leaves out ``snapdiff-bundle``, or that names a ``cert-authority``, is skipped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise SnapdiffError(f"cannot read {TRUSTED_KEYS_ENV} file {path}: {e.strerror}") from None
    keys: list[TrustedKey] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = _TOKEN.findall(line)
        at = next((i for i, f in enumerate(fields) if _looks_like_key_type(f)), None)
        if at is None or at == 0 or at + 1 >= len(fields):
            raise SnapdiffError(f"{path}:{n}: expected principals [options] keytype key")
        opts = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else (m.group(3) or "")
            for token in fields[1:at]
            for m in _OPTION.finditer(token)
        }
        if "cert-authority" in opts:
            continue
        if "namespaces" in opts and NAMESPACE not in opts["namespaces"].split(","):
            continue
        keys.append(_key_from_fields(fields[at], fields[at + 1], f"{path}:{n}", fields[0]))
    return keys


_TOKEN = re.compile(r'(?:[^\s"]|"[^"]*")+')
_OPTION = re.compile(r'([A-Za-z0-9-]+)(?:="([^"]*)"|=([^,]*))?')


def _looks_like_key_type(f: str) -> bool:
    return f.startswith(("ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-")) and "=" not in f


def trusted_keys(paths: tuple[Path, ...] | list[Path]) -> list[TrustedKey] | None:
    """The keys given with ``--trust`` plus those in ``$SNAPDIFF_TRUSTED_KEYS``; None when
    neither is given (signatures are then not required)."""
    env = os.environ.get(TRUSTED_KEYS_ENV)
    if not paths and not env:
        return None
    keys = [load_public_key(p) for p in paths]
    if env:
        keys += load_allowed_signers(Path(env))
    if not keys:
        raise SnapdiffError(f"{TRUSTED_KEYS_ENV} ({env}) allows no key to sign bundles")
    return keys

"""Fernet encryption of many short values at once, for bulk loading.

`pii.encrypt` builds a new cipher context per value (≈28 µs). Here the AES-CBC chains of a whole batch advance
together: block j of every value is encrypted in one ECB call over (plaintext block j XOR previous cipher block),
which is exactly CBC. The tokens are standard Fernet tokens under the same key, so `pii.decrypt` reads them and
nothing about how values are stored changes. A self-check falls back to `pii.encrypt` if that ever stops holding.
"""

import base64
import hashlib
import hmac
import os
import struct
import time

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

from gongzhi.core import pii

_checked: dict[str, bool] = {}


def _keys() -> tuple[bytes, bytes]:
    fernet = pii._fernet(settings.PII_KEY)
    return fernet._signing_key, fernet._encryption_key


def _batch(values: list[str]) -> list[str]:
    signing_key, encryption_key = _keys()
    header = b"\x80" + struct.pack(">Q", int(time.time()))
    out: list[str] = [""] * len(values)
    groups: dict[int, list[int]] = {}
    padded: list[bytes] = [b""] * len(values)
    for i, value in enumerate(values):
        if not value:
            continue
        raw = value.encode()
        pad = 16 - len(raw) % 16  # PKCS7, as Fernet pads
        data = raw + bytes((pad,)) * pad
        padded[i] = data
        groups.setdefault(len(data) // 16, []).append(i)
    encryptor_factory = Cipher(algorithms.AES(encryption_key), modes.ECB())  # noqa: S305 - CBC built by hand
    for nblocks, idx in groups.items():
        n = len(idx)
        plain = np.frombuffer(b"".join(padded[i] for i in idx), dtype=np.uint8).reshape(n, nblocks, 16)
        ivs = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16)
        cipher = np.empty_like(plain)
        prev = ivs
        enc = encryptor_factory.encryptor()
        for j in range(nblocks):
            block = np.bitwise_xor(plain[:, j, :], prev)
            cipher[:, j, :] = np.frombuffer(enc.update(block.tobytes()), dtype=np.uint8).reshape(n, 16)
            prev = cipher[:, j, :]
        enc.finalize()
        iv_bytes = ivs.tobytes()
        ct_bytes = cipher.tobytes()
        width = nblocks * 16
        mac = hmac.new(signing_key, digestmod=hashlib.sha256)
        for k, i in enumerate(idx):
            body = header + iv_bytes[16 * k : 16 * k + 16] + ct_bytes[width * k : width * (k + 1)]
            h = mac.copy()
            h.update(body)
            out[i] = base64.urlsafe_b64encode(body + h.digest()).decode()
    return out


def encrypt_many(values: list[str]) -> list[str]:
    """Fernet tokens for `values` ("" stays ""), readable by `pii.decrypt`."""
    key = settings.PII_KEY
    if key not in _checked:
        probe = ["370211198001010010", "13800000000", "x" * 40]
        try:
            _checked[key] = [pii.decrypt(t) for t in _batch(probe)] == probe
        except Exception:  # any surprise in the private key layout means: use the slow, sure path
            _checked[key] = False
    if not _checked[key]:
        return [pii.encrypt(v) for v in values]
    return _batch(values)

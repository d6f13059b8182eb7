"""Personal data encrypted at rest: Fernet with a key list (encrypt with the first, decrypt with any)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

DATA_KEYS_FILE_NAME = "data_keys"

_keys: MultiFernet | None = None


class DataKeyError(RuntimeError):
    """No key can decrypt a stored value, or none is configured."""


def generate_key() -> str:
    """A new random data key (urlsafe base64, 32 bytes)."""
    return Fernet.generate_key().decode()


def configure(keys: list[str]) -> None:
    """Set the process's key list; the first key encrypts, every key may decrypt."""
    global _keys
    if not keys:
        raise DataKeyError("no data key configured")
    _keys = MultiFernet([Fernet(key.encode()) for key in keys])


def keys_for_app(configured: list[str], instance_path: str) -> list[str]:
    """The configured keys, or one generated on first start and kept in the instance folder (mode 0600)."""
    if configured:
        return configured
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DATA_KEYS_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        import time

        for _ in range(50):
            keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
            if keys:
                return keys
            time.sleep(0.01)  # another worker created it and is writing the key
        raise DataKeyError(f"{path} holds no key") from None
    key = generate_key()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return [key]


def _active() -> MultiFernet:
    if _keys is None:
        raise DataKeyError("data keys are not configured (create_app configures them)")
    return _keys


def encrypt_text(value: str) -> str:
    """Ciphertext of a text under the first key."""
    return _active().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    """The text a ciphertext holds, under any configured key."""
    try:
        return _active().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DataKeyError("no configured data key decrypts a stored value (a key was removed too early?)") from None


def rotate_token(token: str) -> str:
    """The same text re-encrypted under the first key."""
    try:
        return _active().rotate(token.encode()).decode()
    except InvalidToken:
        raise DataKeyError("no configured data key decrypts a stored value") from None

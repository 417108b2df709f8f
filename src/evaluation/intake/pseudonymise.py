"""Keyed pseudonyms for family identifiers and personal data (HMAC-SHA256, RFC 2104 / FIPS 198-1).

A NIK has little entropy: 6 digits of place (a few thousand real codes), a birth date (about 36,500 values) and a
4-digit serial. A plain hash such as ``sha256(NIK)`` is therefore reversed by enumerating every possible NIK
(about 10^12 hashes, hours on one GPU). A keyed hash cannot be enumerated without the key, so the key must stay
outside the repository and away from the processed data:

* ``PROKUS_PSEUDONYM_KEY``: the key itself (at least 32 characters), or
* ``PROKUS_PSEUDONYM_KEY_FILE``: a file holding it, outside the project directory.

Real data without a key is refused with a clear error. Synthetic demonstration data always uses
:data:`DEMO_KEY`, a fixed key written here in the open: it protects nothing and is for the demo only.

The pseudonym of a value is ``"P" + hex(HMAC-SHA256(key, kind + ":" + value))[:20]`` (80 bits: collision
probability below 10^-12 for a million families). ``kind`` separates name spaces (a family id and a NIK with
the same digits get different pseudonyms).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from evaluation.core.errors import UserError
from evaluation.core.paths import PROJ_ROOT

ENV_KEY = "PROKUS_PSEUDONYM_KEY"
ENV_KEY_FILE = "PROKUS_PSEUDONYM_KEY_FILE"
DEMO_KEY = b"prokus-eval DEMO KEY for synthetic data only - public, not secret"
MIN_KEY_LENGTH = 32
PSEUDONYM_HEX = 20


@dataclass(frozen=True)
class Key:
    """A pseudonymisation key and where it came from (never the key itself in messages).

    Parameters
    ----------
    secret : bytes
        The HMAC key (at least :data:`MIN_KEY_LENGTH` characters for real data).
    source : str
        Where it came from (environment variable, key file, public demo key); recorded in ``intake.json``.
    """

    secret: bytes
    source: str

    def __repr__(self) -> str:
        return f"Key(source={self.source!r})"


def load_key(synthetic: bool) -> Key:
    """Load the key for a data set: the public demo key for synthetic data, else the environment's or a file's.

    Parameters
    ----------
    synthetic : bool
        True for synthetic demonstration data (``dataset.json`` says so): the public :data:`DEMO_KEY`.

    Returns
    -------
    Key
        The key and its source.

    Raises
    ------
    UserError
        For real data when neither :data:`ENV_KEY` nor :data:`ENV_KEY_FILE` is set, when the key file lies inside
        the project directory or does not exist, or when the key has fewer than :data:`MIN_KEY_LENGTH`
        characters.

    References
    ----------
    NIST FIPS 198-1, "The Keyed-Hash Message Authentication Code (HMAC)" (key length at least the hash output).
    """
    if synthetic:
        return Key(DEMO_KEY, "public demo key (synthetic data only; not secret)")
    text = os.environ.get(ENV_KEY, "")
    source = f"environment variable {ENV_KEY}"
    if not text and os.environ.get(ENV_KEY_FILE):
        path = Path(os.environ[ENV_KEY_FILE]).expanduser().resolve()
        if path == PROJ_ROOT or PROJ_ROOT in path.parents:
            raise UserError(
                "the pseudonymisation key file lies inside the project directory",
                file=str(path),
                rule="the key is kept outside the repository, so it can never be committed or shipped with the data",
                fix=f"move the key file outside {PROJ_ROOT} and point {ENV_KEY_FILE} at it",
            )
        if not path.is_file():
            raise UserError(
                "the pseudonymisation key file does not exist",
                file=str(path),
                fix=f"create it (e.g. `python -c 'import secrets; print(secrets.token_hex(32))' > {path}`)",
            )
        text = path.read_text(encoding="utf-8").strip()
        source = f"key file {path}"
    if not text:
        raise UserError(
            "no pseudonymisation key is set for real data",
            rule="national ID numbers, names, phone numbers and addresses are replaced at intake by keyed hashes "
            "(HMAC-SHA256); the key is never stored with the data",
            fix=f"set {ENV_KEY} to a secret of at least {MIN_KEY_LENGTH} characters, or {ENV_KEY_FILE} to a file "
            "outside the repository holding it (generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`); keep the same key for every wave",
        )
    if len(text) < MIN_KEY_LENGTH:
        raise UserError(
            f"the pseudonymisation key from {source} is too short ({len(text)} characters)",
            rule=f"the key has at least {MIN_KEY_LENGTH} characters",
            fix="generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`",
        )
    return Key(text.encode("utf-8"), source)


def pseudonym(value: str, key: Key, kind: str = "family") -> str:
    """Compute the keyed pseudonym of ``value`` (see the module docstring).

    Parameters
    ----------
    value : str
        The identifier (family id, NIK).
    key : Key
        The pseudonymisation key.
    kind : str, optional
        The name space (``"family"``), so that equal digits of different kinds get different pseudonyms.

    Returns
    -------
    str
        ``"P"`` followed by the first :data:`PSEUDONYM_HEX` (20) hex digits of HMAC-SHA256(key, kind:value).

    References
    ----------
    RFC 2104, "HMAC: Keyed-Hashing for Message Authentication"; NIST FIPS 198-1; FIPS 180-4 (SHA-256).
    """
    mac = hmac.new(key.secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return "P" + mac[:PSEUDONYM_HEX]


def mask(value: str, keep: int = 0) -> str:
    """Mask a personal value as it may appear in a problem report: its first ``keep`` characters, then stars.

    Parameters
    ----------
    value : str
        The value (converted with ``str``).
    keep : int, optional
        Leading characters kept in clear (4 for a NIK: the province and regency code); none are kept when the
        value is not longer than ``keep``.

    Returns
    -------
    str
        A string of the value's length.
    """
    s = str(value)
    keep = keep if len(s) > keep else 0
    return s[:keep] + "*" * (len(s) - keep)

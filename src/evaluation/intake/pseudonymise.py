"""Keyed pseudonyms for family identifiers and personal data (HMAC-SHA256, RFC 2104 / FIPS 198-1).

A NIK has little entropy: 6 digits of place (a few thousand real codes), a birth date (about 36,500 values) and a
4-digit serial. A plain hash such as ``sha256(NIK)`` is therefore reversed by enumerating every possible NIK
(about 10^12 hashes, hours on one GPU). A keyed hash cannot be enumerated without the key, so the key must stay
outside the repository and away from the processed data:

* ``PROKUS_PSEUDONYM_KEY``: the key itself (at least 32 characters), or
* ``PROKUS_PSEUDONYM_KEY_FILE``: a file holding it, outside the project directory.

Real data without a key is refused with a clear error, and so is a weak key (:func:`key_weakness`). A set key
always wins. Without one, synthetic demonstration data use :data:`DEMO_KEY`, a fixed key written here in the open:
it protects nothing and is for the demo only, and only data proven synthetic (every identifier in them is one the
generator made and recorded, :func:`evaluation.intake.provenance.synthetic_proof`) may use it. The key's
fingerprint (:attr:`Key.fingerprint`) is recorded with the processed data, never the key.

The pseudonym of a value is ``"P" + hex(HMAC-SHA256(key, kind + ":" + value))[:20]`` (80 bits: collision
probability below 10^-12 for a million families). ``kind`` separates name spaces (a family id and a NIK with
the same digits get different pseudonyms).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from evaluation.core.errors import UserError
from evaluation.core.paths import PROJ_ROOT

ENV_KEY = "PROKUS_PSEUDONYM_KEY"
ENV_KEY_FILE = "PROKUS_PSEUDONYM_KEY_FILE"
DEMO_KEY = b"prokus-eval DEMO KEY for synthetic data only - public, not secret"
MIN_KEY_LENGTH = 32
MIN_DISTINCT = 8
PSEUDONYM_HEX = 20
FINGERPRINT_LABEL = b"prokus-eval pseudonymisation key fingerprint v1"
FINGERPRINT_HEX = 16


@dataclass(frozen=True)
class Key:
    """A pseudonymisation key and where it came from (never the key itself in messages).

    Parameters
    ----------
    secret : bytes
        The HMAC key (at least :data:`MIN_KEY_LENGTH` characters for real data).
    source : str
        Where it came from (environment variable, key file, public demo key); recorded in ``intake.json``.
    demo : bool, optional
        True for the public :data:`DEMO_KEY` (proven synthetic data only).
    """

    secret: bytes
    source: str
    demo: bool = False

    def __repr__(self) -> str:
        return f"Key(source={self.source!r})"

    @property
    def fingerprint(self) -> str:
        """The key's fingerprint: HMAC-SHA256(key, :data:`FINGERPRINT_LABEL`), first 16 hex digits.

        Recorded with the processed data and in the run manifest, so that a changed key is detected; a keyed hash
        of a fixed label reveals nothing of the key.
        """
        return hmac.new(self.secret, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:FINGERPRINT_HEX]


def _key_generation_hint() -> str:
    return "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`"


def key_weakness(text: str) -> str | None:
    """Say why a key is too weak, or None for an acceptable one.

    Parameters
    ----------
    text : str
        The key as set (surrounding white space already removed).

    Returns
    -------
    str or None
        The reason, beginning "too short" or "too weak" (one repeated character, a repeated pattern, a run of
        consecutive characters, too few distinct characters), or None.
    """
    n = len(text)
    if n < MIN_KEY_LENGTH:
        return f"too short ({n} characters, at least {MIN_KEY_LENGTH})"
    if len(set(text)) == 1:
        return "too weak (one character repeated)"
    for period in range(1, n // 2 + 1):
        if all(text[i] == text[i % period] for i in range(n)):
            return f"too weak (a pattern of {period} characters repeated)"
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(text)]
    if sum(abs(d) <= 1 for d in steps) > len(steps) / 2:
        return "too weak (mostly runs of consecutive characters, like 1234... or abcd...)"
    if len(set(text)) < MIN_DISTINCT:
        return f"too weak (only {len(set(text))} distinct characters, at least {MIN_DISTINCT})"
    return None


def _read_key_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"the pseudonymisation key file cannot be read ({exc.strerror or exc})",
            file=str(path),
            fix=f"make {path} a readable file holding the key, or point {ENV_KEY_FILE} at the right file",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if not text.strip() or not text.strip().isprintable():
        raise UserError(
            "the pseudonymisation key file does not hold a key as text (it is empty, binary or not UTF-8)",
            file=str(path),
            rule="the key file holds one line of text: the key",
            fix=f"write the key as one line of text into the file ({_key_generation_hint()} > {path})",
        )
    return text.strip()


def key_is_set() -> bool:
    """Tell whether the user has set a key (:data:`ENV_KEY` or :data:`ENV_KEY_FILE`), without reading it.

    Returns
    -------
    bool
        True when either environment variable is set and not blank; :func:`load_key` then uses that key.
    """
    return bool(os.environ.get(ENV_KEY, "").strip() or os.environ.get(ENV_KEY_FILE))


def load_key(synthetic: bool, reason: str = "") -> Key:
    """Load the key for a data set: a set key always; the public demo key only for proven synthetic data.

    Parameters
    ----------
    synthetic : bool
        True for proven synthetic demonstration data (their identifiers are the generator's,
        :func:`evaluation.intake.provenance.synthetic_proof`): without a set key, the public :data:`DEMO_KEY`.
    reason : str, optional
        Why data that declare themselves synthetic are not proven so (shown when no key is set).

    Returns
    -------
    Key
        The key and its source.

    Raises
    ------
    UserError
        For real data when neither :data:`ENV_KEY` nor :data:`ENV_KEY_FILE` is set; when the key file lies inside
        the project directory, does not exist or holds no text key; when the key is weak
        (:func:`key_weakness`); or when real data would use the public demo key.

    References
    ----------
    NIST FIPS 198-1, "The Keyed-Hash Message Authentication Code (HMAC)" (key length at least the hash output).
    """
    text = os.environ.get(ENV_KEY, "").strip()
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
                fix=f"create it ({_key_generation_hint()} > {path})",
            )
        text = _read_key_file(path)
        source = f"key file {path}"
    if not text:
        if synthetic:
            return Key(DEMO_KEY, "public demo key (synthetic data only; not secret)", demo=True)
        why = f" ({reason})" if reason else ""
        raise UserError(
            f"no pseudonymisation key is set for real data{why}",
            rule="national ID numbers, names, phone numbers and addresses are replaced at intake by keyed hashes "
            "(HMAC-SHA256); the key is never stored with the data; the public demo key is used only for synthetic "
            "data whose identifiers (family ids, NIKs, names, phones, addresses) are all those prokus-eval demo-data "
            "generated and recorded in dataset.json",
            fix=f"set {ENV_KEY} to a secret of at least {MIN_KEY_LENGTH} characters, or {ENV_KEY_FILE} to a file "
            f"outside the repository holding it ({_key_generation_hint()}); keep the same key for every wave",
        )
    if text.encode("utf-8") == DEMO_KEY and not synthetic:
        raise UserError(
            f"the pseudonymisation key from {source} is the public demo key, and these are not synthetic data",
            rule="real data are pseudonymised with a secret key; the demo key is written in the open",
            fix=f"set a secret key ({_key_generation_hint()})",
        )
    weak = key_weakness(text)
    if weak:
        raise UserError(
            f"the pseudonymisation key from {source} is {weak}",
            rule=f"the key has at least {MIN_KEY_LENGTH} characters, at least {MIN_DISTINCT} distinct ones, and "
            "is not a repeated pattern or a run of consecutive characters (1234, abcd)",
            fix=_key_generation_hint(),
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

"""
Key names: which hold a secret, which plainly do not, and which name user-chosen maps.

Names repeat across millions of resources, so each distinct name is classified once.
The patterns run under RE2: a hostile megabyte-long key costs linear time, once.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from scanner.sanitise.text import sanitise_text

_SEPARATORS = re.compile(r"[-_.\s]")

_SECRET_NAME = re2.compile(
    r"password|passwd|passphrase|secret|token|credential|connectionstring|connstr|sastoken|"
    r"signature|privatekey|accountkey|accesskey|apikey|sharedkey|masterkey|primarykey|"
    r"secondarykey|subscriptionkey|instrumentationkey|signingkey|clientkey|encryptionkey|"
    # `keys[*].value` (storage account keys), ARM `secureValue`, HTTP headers
    r"customdata|userdata|securevalue|securestring|authorization|"
    r"^sig$|^pwd$|^key\d+$|^keys$|^pass$"
)
# Held wholesale, whatever the names below them: VM custom data and EC2 user data are
# scripts that carry credentials; VM extensions' protectedSettings exist to hold secrets.
_WHOLESALE = frozenset({"customdata", "userdata", "protectedsettings", "securevalue"})
# A name ending like this names, points to, or configures a secret but does not hold one.
_SAFE_NAME = re2.compile(
    r"(enabled|disabled|permission|permissions|source|type|name|names|uri|url|id|ids|arn|"
    r"version|expiry|expiration|expiresat|expireson|expirytime|policy|policies|properties|"
    r"settings|access|count|length|lifetime|state|status|mode|reference|kind|format|required|"
    r"allowed|rotation|store|age|used|prevention|limit|period|days|duration|ttl|timeout|"
    r"algorithm|size|strength|complexity|authentication|endpoint|"
    r"^httptokens)$"  # AWS IMDS: "required"/"optional", the IMDSv2 evidence itself
)
# Names users choose themselves (app settings, env vars, tags): a broader, substring match.
_PAIR_NAME = re2.compile(
    r"(?i)key|secret|password|passwd|pwd|pass|token|connection|credential|sas|sig|auth|cert"
)
USER_MAPS = frozenset(
    {"appsettings", "environmentvariables", "environment", "variables", "env", "envvars", "tags"}
)
PAIR_NAME_KEYS = ("name", "keyname", "key")
PAIR_VALUE_KEYS = ("value", "connectionstring")


class KeyInfo(NamedTuple):
    secret: bool
    """The name holds a secret (`adminPassword`, `AccountKey`)."""
    safe: bool
    """The name plainly does not (`...Name`, `...Enabled`, `...Uri`)."""
    pair: bool
    """A user-chosen name that looks secret (`DB_PASS`, `OPENAI_API_KEY`)."""
    user_map: bool
    """The name of a map whose keys users choose (`appSettings`, `tags`)."""
    value_key: bool
    """The value half of a name/value pair (`value`, `connectionString`)."""
    shown: str
    """The name as it may be shown: a key can be a token too."""


@functools.lru_cache(maxsize=16384)
def norm(name: str) -> str:
    """`Admin_Password` -> `adminpassword`: separators and case do not change a name."""
    return _SEPARATORS.sub("", name).lower()


@functools.lru_cache(maxsize=16384)
def key_info(name: str) -> KeyInfo:
    """Classify one key name (cached)."""
    n = norm(name)
    shown = sanitise_text(name)
    if n in _WHOLESALE:
        return KeyInfo(True, False, True, False, False, shown)
    safe = bool(_SAFE_NAME.search(n))
    return KeyInfo(
        bool(_SECRET_NAME.search(n)) and not safe,
        safe,
        is_pair_name(name),
        n in USER_MAPS,
        n in PAIR_VALUE_KEYS,
        shown,
    )


def is_secret_name(name: str) -> bool:
    """
    Return True when a key called `name` holds a secret (`adminPassword`, `AccountKey`).
    """
    return key_info(name).secret


@functools.lru_cache(maxsize=16384)
def is_pair_name(name: str) -> bool:
    """Return True for a user-chosen setting name that looks secret (`DB_PASSWORD`)."""
    return bool(_PAIR_NAME.search(name))

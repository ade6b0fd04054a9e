"""
The secret-looking texts the sanitiser replaces wherever they appear, whatever the key.

Each rule is an RE2 pattern (google-re2: linear time whatever the input, so a megabyte of
spaces or `=` cannot stall a scan) with one group `s`, the part that is secret, and the
lower-case literals one of which every match contains. The literals make a cheap gate:
most strings hold none of them and never reach a regular expression.

The token formats follow detect-secrets' plugins (Yelp/detect-secrets 1.5: aws, azure
storage key, basic auth, github, gitlab, jwt, private key, sendgrid, slack, stripe, npm,
pypi, openai), rewritten for RE2 and widened where evidence showed other spellings.
Distinctive prefixes (`ghp_`, `AKIA`, `xoxb-`) match even glued to other text; the short
generic ones (`sk-`, `hf_`) need a word boundary, or `disk-encryption-…` would be a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information


@dataclass(frozen=True)
class Rule:
    """One secret-looking text."""

    name: str
    regex: re2._Regexp
    triggers: tuple[str, ...]
    """Lower-case literals: every match of `regex` contains one of them (lower-cased)."""
    group: int
    """The index of group `s`, the secret part (RE2 spans take indexes, not names)."""


def _rule(name: str, pattern: str, *triggers: str) -> Rule:
    regex = re2.compile(pattern)
    return Rule(name, regex, triggers, regex.groupindex["s"])


# Names that hold a secret when a text says `name=value` or `name: value`.
_KV_NAMES = (
    "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key",
    "accesskey", "access_key", "accountkey", "privatekey", "private_key", "primarykey",
    "secondarykey", "credential", "sastoken", "sas_token",
)

RULES: tuple[Rule, ...] = (
    _rule(
        "private key",
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<s>.*?)"
        r"(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)",
        "-----begin",
    ),
    _rule("shared access signature", r"(?i)SharedAccessSignature=(?P<s>[^;\"'\s]+)",
          "sharedaccesssignature"),
    # `Password=p@ss w0rd;` in a connection string: up to `;`, as passwords may hold spaces.
    # The name may be the end of a longer one (`adminPassword`, `SharedAccessKey`).
    _rule(
        "named secret",
        r"(?i)(?:^|[^a-z0-9])[a-z0-9_.-]*?(?:" + "|".join(re.escape(n) for n in _KV_NAMES) + r")"
        r"[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>[^;&\"'\r\n,}]*[^;&\"'\s,}])",
        *_KV_NAMES,
    ),
    _rule("sas signature", r"(?i)(?:^|[?&;\s])sig=(?P<s>[^&;\"'\s]+)", "sig="),
    _rule("url credentials",
          r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@\"']*:(?P<s>[^/\s@\"']+)@", "@"),
    # `Authorization: Bearer x`, `SharedKey acct:sig`, a bare token; not `...Authorization=True`
    _rule("authorization header",
          r"(?i)authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
          r"(?P<s>(?:[A-Za-z-]+[ \t]+)?[A-Za-z0-9._~+/=:-]{8,})",
          "authorization"),
    _rule("bearer or basic credential",
          r"(?i)\b(?:bearer|basic)[ \t]+(?P<s>[A-Za-z0-9._~+/=-]{16,})", "bearer", "basic"),
    # An access key id next to its secret key (`AKIA…:wJalr…`, credentials CSVs): the 40
    # characters after it are the secret. Before the key id rule, which would hide the anchor.
    _rule("aws secret key beside its id",
          r"(?:AKIA|ASIA)[A-Z0-9]{16}[\s:;,|/\"'=]+(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
          "akia", "asia"),
    _rule("aws access key id", r"(?P<s>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})",
          "a3t", "akia", "asia", "abia", "acca"),
    # Storage account keys are 64 random bytes: exactly 86 base64 characters and `==`.
    _rule("azure storage key", r"(?:^|[^A-Za-z0-9+/])(?P<s>[A-Za-z0-9+/]{86}==)", "=="),
    _rule("jwt",
          r"(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.?[A-Za-z0-9_-]*)", "eyj"),
    _rule("openai, anthropic and other sk- keys", r"\b(?P<s>(?:sk|rk|pk)-[A-Za-z0-9_-]{20,})",
          "sk-", "rk-", "pk-"),
    _rule("stripe", r"(?P<s>(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,})",
          "sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_"),
    _rule("github", r"(?P<s>(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{20,}|github_pat_[A-Za-z0-9_]{20,})",
          "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    _rule("gitlab", r"(?P<s>glpat-[A-Za-z0-9_-]{20,})", "glpat-"),
    _rule("slack token", r"(?P<s>xox[abposr]-[A-Za-z0-9-]{10,})", "xox"),
    _rule("slack webhook", r"hooks\.slack\.com/services/(?P<s>[A-Za-z0-9/_-]{16,})",
          "hooks.slack.com"),
    _rule("google api key", r"(?P<s>AIza[0-9A-Za-z_-]{35})", "aiza"),
    _rule("sendgrid", r"\b(?P<s>SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})", "sg."),
    _rule("npm", r"(?P<s>npm_[A-Za-z0-9]{36})", "npm_"),
    _rule("pypi", r"(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,})", "pypi-ageichlwas5vcmc"),
    _rule("hugging face", r"\b(?P<s>hf_[A-Za-z0-9]{30,})", "hf_"),
)

TRIGGERS: tuple[str, ...] = tuple(sorted({t for r in RULES for t in r.triggers}))
"""Every rule's literals: a text holding none of them matches no rule."""

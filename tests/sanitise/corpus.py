"""
Planted secrets: templates that wrap random material in the shapes credentials take.

Each `Planted` carries the text to plant and the `materials` that must never appear in any
output: the secret part itself and, for base64-planted ones, the base64 text too. The
templates are used by the CLI corpus test (fixed seed) and by the Hypothesis properties
(material drawn at random).
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"


@dataclass(frozen=True)
class Planted:
    kind: str
    text: str
    """What is planted in the inventory."""
    materials: tuple[str, ...]
    """What must not leave: raw secret parts (and the planted base64 text itself)."""


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(rng: random.Random) -> str:
    head = _b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": _pick(rng, ALNUM, 8)}).encode())
    body = _b64url(json.dumps({"sub": _pick(rng, ALNUM, 12), "aud": "api://x"}).encode())
    return f"{head}.{body}.{_pick(rng, B64URL, 43)}"


def _pem(rng: random.Random) -> tuple[str, str]:
    body = "\n".join(_pick(rng, B64, 64) for _ in range(4))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----", body


# Self-identifying secrets: recognisable whatever key they sit under.
def _self_identifying(rng: random.Random) -> list[Planted]:
    aws_id = "AKIA" + _pick(rng, UPPER_NUM, 16)
    aws_secret = _pick(rng, B64, 40)
    storage_key = _pick(rng, B64, 86) + "=="
    sas_sig = _pick(rng, ALNUM, 30) + "%2B" + _pick(rng, ALNUM, 8) + "%3D"
    url_pw = "Pw" + _pick(rng, ALNUM, 14)
    bearer = _pick(rng, ALNUM + "._-", 40)
    basic = base64.b64encode(f"svc:{_pick(rng, ALNUM, 16)}".encode()).decode()
    conn_pw = "Cp" + _pick(rng, ALNUM, 14)
    pem, pem_body = _pem(rng)
    jwt = _jwt(rng)
    tokens = {
        "github": "ghp_" + _pick(rng, ALNUM, 36),
        "github fine-grained": "github_pat_" + _pick(rng, ALNUM, 22) + "_" + _pick(rng, ALNUM, 59),
        "gitlab": "glpat-" + _pick(rng, ALNUM, 20),
        "slack": f"xoxb-{_pick(rng, string.digits, 12)}-{_pick(rng, string.digits, 12)}-"
                 + _pick(rng, ALNUM, 24),
        "openai": "sk-proj-" + _pick(rng, ALNUM, 48),
        "anthropic": "sk-ant-api03-" + _pick(rng, ALNUM + "_-", 80),
        "stripe": "sk_live_" + _pick(rng, ALNUM, 24),
        "google": "AIza" + _pick(rng, ALNUM + "_-", 35),
        "npm": "npm_" + _pick(rng, ALNUM, 36),
        "hugging face": "hf_" + _pick(rng, ALNUM, 34),
        "jwt": jwt,
        "aws access key id": aws_id,
        "azure storage key": storage_key,
    }
    out = [Planted(k, v, (v,)) for k, v in tokens.items()]
    out += [
        Planted("aws key pair", f"{aws_id}:{aws_secret}", (aws_id, aws_secret)),
        Planted("pem", pem, (pem_body, pem_body.splitlines()[0])),
        Planted("sas url", "https://acct.blob.core.windows.net/c/b.bin?sv=2022-11-02&ss=b&sp=rl"
                f"&se=2026-12-31T00:00:00Z&sig={sas_sig}", (sas_sig,)),
        Planted("storage connection string",
                "DefaultEndpointsProtocol=https;AccountName=acct;"
                f"AccountKey={storage_key};EndpointSuffix=core.windows.net", (storage_key,)),
        Planted("url credentials", f"postgres://admin:{url_pw}@db.internal:5432/app", (url_pw,)),
        Planted("authorization bearer", f"Authorization: Bearer {bearer}", (bearer,)),
        Planted("authorization basic", f"Authorization: Basic {basic}", (basic,)),
        Planted("sql connection string",
                f"Server=tcp:db.example.net,1433;User ID=app;Password={conn_pw};Encrypt=True",
                (conn_pw,)),
        Planted("env line", f"export AWS_SECRET_ACCESS_KEY={aws_secret}", (aws_secret,)),
    ]
    return out


def corpus(rng: random.Random) -> list[Planted]:
    """Every template once, and the base64 and base64url forms of the token-shaped ones."""
    plain = _self_identifying(rng)
    encoded = []
    for p in plain:
        if p.kind in ("pem", "sas url", "storage connection string"):
            continue  # planted whole already; their base64 forms are covered by the tokens
        for name, enc in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            text = enc(p.text.encode()).decode()
            encoded.append(Planted(f"{name} of {p.kind}", text, (text, *p.materials)))
    return plain + encoded


NAMED: dict[str, Callable[[random.Random], str]] = {
    # A secret that only its key names: its value looks like anything.
    "adminPassword": lambda rng: "Ad" + _pick(rng, ALNUM, 12),
    "clientSecret": lambda rng: "Cs" + _pick(rng, ALNUM + "~.", 30),
    "SecretAccessKey": lambda rng: _pick(rng, B64, 40),
    "secureValue": lambda rng: "Sv" + _pick(rng, ALNUM, 14),
    "sasToken": lambda rng: "Sa" + _pick(rng, ALNUM, 20),
    "connectionString": lambda rng: "Cn" + _pick(rng, ALNUM, 16),
}


def encodings(material: str) -> tuple[str, ...]:
    """The forms a leak can take: raw, base64 and base64url (with and without padding)."""
    raw = material.encode()
    std = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    return tuple(dict.fromkeys((material, std, url, url.rstrip("="))))


def leaks(blob: str, planted: list[Planted]) -> list[tuple[int, str, str]]:
    """Return (index in `planted`, kind, form) for every planted material found in `blob`."""
    return [(i, p.kind, form) for i, p in enumerate(planted) for m in p.materials
            for form in encodings(m) if form in blob]

"""Secrets detection: known formats, entropy, placeholders, baseline; the secret never echoed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from code_scalpel.auth import apikeys
from code_scalpel.errors import InvalidArgument
from code_scalpel.scanning import secrets
from code_scalpel.scanning.secrets import fingerprint, load_baseline, scan_text

# Test tokens are assembled at run time so that no credential-shaped literal sits in the repository.
B62 = "Zq8vN2xK7pL4mR9tW3yH6cJ1bF5dG0sAeUoIiYnVuT"
CSK = apikeys.generate()
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----\n" + "MIIEowIBAAKCAQEA" + B62 + "\n"
JWT = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CASES = [
    ("aws-access-key-id", f'key = "{"AKIA" + "Z7Q2K9W4X8M3N6P5"}"'),
    ("aws-secret-access-key", f'aws_secret_access_key = "{B62[:40]}"'),
    (
        "gcp-service-account-key",
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n' + B62 * 2 + '"}',
    ),
    ("gcp-api-key", f'GOOGLE = "{"AIza" + B62[:35]}"'),
    ("azure-storage-key", f'conn = "DefaultEndpointsProtocol=https;AccountName=x;AccountKey={(B62 * 3)[:86]}=="'),
    ("github-token", f'token = "{"ghp_" + B62[:36]}"'),
    ("gitlab-token", f'GL = "{"glpat-" + B62[:20]}"'),
    ("slack-token", f'SLACK = "{"xoxb-" + "1234567890-" + B62[:24]}"'),
    ("slack-webhook", f'HOOK = "https://hooks.slack.com/services/T{B62[:8].upper()}/B{B62[8:16].upper()}/{B62[:24]}"'),
    ("stripe-key", f'STRIPE = "{"sk_" + "live_" + B62[:24]}"'),
    ("private-key", PEM),
    ("jwt", f'AUTH = "{JWT}"'),
    ("connection-string-password", 'DB = "postgresql://app:Tr0ub4dor-3xk@db.internal:5432/app"'),
    ("code-scalpel-api-key", f'CODE_SCALPEL_KEY = "{CSK}"'),
    ("generic-secret", 'client_secret = "q9XvP2mL7wR4tZ8k"'),
]


@pytest.mark.parametrize(("kind", "line"), CASES, ids=[c[0] for c in CASES])
def test_known_formats(kind: str, line: str) -> None:
    found = scan_text(line, "f.py")
    assert kind in {f["kind"] for f in found}, found
    for finding in found:
        rendered = json.dumps(finding)
        secret_len = finding["length"]
        assert finding["secret_preview"].endswith(f"({secret_len} chars)")
        # Nothing longer than the 4-character preview of the secret leaks into the finding.
        start = finding["column"]
        secret = line[start : start + secret_len]
        assert secret not in rendered or secret_len <= 4
        assert len(finding["fingerprint"]) == 64


@pytest.mark.parametrize(
    "line",
    [
        'password = "changeme"',
        'password = os.environ["DB_PASSWORD"]',
        'DB = "postgresql://app:${DB_PASSWORD}@db/app"',
        'DB = "postgresql://user:<password>@localhost/db"',
        'token = "your_token_here"',
        "api_key = get_key()",
        'sha = "0123456789abcdef0123456789abcdef"',
        'url = "https://example.com/a/b/c"',
        'name = "the_quick_brown_fox_jumps"',
        'ENV_CLIENT_SECRET = "CODE_SCALPEL_OAUTH_CLIENT_SECRET"',
        'ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"',
        'HEADER = re.compile(r"-----BEGIN PRIVATE KEY-----(.*)")',
    ],
)
def test_placeholders_and_lookalikes_are_silent(line: str) -> None:
    assert scan_text(line) == []


def test_csk_checksum_distinguishes_real_keys() -> None:
    good = scan_text(f'k = "{CSK}"')[0]
    bad = scan_text(f'k = "{CSK[:-1]}{"0" if CSK[-1] != "0" else "1"}"')[0]
    assert good["kind"] == bad["kind"] == "code-scalpel-api-key"
    assert good["confidence"] > bad["confidence"]


def test_baseline_silences_by_fingerprint(tmp_path: Path) -> None:
    target = tmp_path / "settings.py"
    target.write_text(f'STRIPE = "{"sk_" + "live_" + B62[:24]}"\nGH = "{"ghp_" + B62[:36]}"\n')

    def read(p: Path) -> str:
        return p.read_text()

    first = secrets.scan_secrets([(target, "settings.py")], read=read)
    assert first["total"] == 2
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(secrets.baseline_document(first["findings"][:1])))
    assert "sk_live" not in baseline.read_text()
    second = secrets.scan_secrets([(target, "settings.py")], read=read, baseline=load_baseline(baseline))
    assert second["total"] == 1 and second["suppressed_by_baseline"] == 1
    assert fingerprint("stripe-key", "sk_" + "live_" + B62[:24]) in load_baseline(baseline)


@pytest.mark.parametrize("content", ["not json", '{"fingerprints": ["short"]}', '{"fingerprints": 3}'])
def test_bad_baseline_is_a_precise_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(InvalidArgument):
        load_baseline(path)

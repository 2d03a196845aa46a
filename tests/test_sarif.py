"""SARIF output checked against the subset of the 2.1.0 schema that GitHub code scanning requires."""

from __future__ import annotations

import textwrap

import jsonschema
import pytest

from code_scalpel.scanning.api import scan_code
from code_scalpel.scanning.sarif import to_sarif
from code_scalpel.scanning.secrets import scan_text

_LOCATION = {
    "type": "object",
    "required": ["physicalLocation"],
    "properties": {
        "physicalLocation": {
            "type": "object",
            "required": ["artifactLocation", "region"],
            "properties": {
                "artifactLocation": {
                    "type": "object",
                    "required": ["uri"],
                    "properties": {"uri": {"type": "string", "pattern": "^[^/\\\\]"}},
                },
                "region": {
                    "type": "object",
                    "required": ["startLine"],
                    "properties": {
                        "startLine": {"type": "integer", "minimum": 1},
                        "startColumn": {"type": "integer", "minimum": 1},
                    },
                },
            },
        },
    },
}
#: What GitHub's upload validates (sarif-2.1.0 required properties plus GitHub's own requirements).
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "$schema", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": [
                                                "id",
                                                "shortDescription",
                                                "fullDescription",
                                                "help",
                                                "properties",
                                            ],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "help": {"type": "object", "required": ["text"]},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"enum": ["none", "note", "warning", "error"]}
                                                    },
                                                },
                                                "properties": {
                                                    "type": "object",
                                                    "required": ["security-severity", "tags"],
                                                    "properties": {
                                                        "security-severity": {
                                                            "type": "string",
                                                            "pattern": "^[0-9]+(\\.[0-9])?$",
                                                        }
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations", "partialFingerprints", "level"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {"type": "array", "minItems": 1, "items": _LOCATION},
                                "partialFingerprints": {
                                    "type": "object",
                                    "minProperties": 1,
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

CODE = textwrap.dedent("""
    import os, pickle
    from flask import Flask, request
    app = Flask(__name__)

    @app.route("/x")
    def x():
        os.system(request.args["c"])
        pickle.loads(request.data)
        return f"<p>{request.args['n']}</p>"
""")


def test_sarif_matches_github_subset() -> None:
    result = scan_code(CODE, "app/views.py")
    secrets = scan_text('token = "' + "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + '"', "app/settings.py")
    broken = scan_code("def (:", "app/broken.py")
    doc = to_sarif([*result["findings"], *secrets], errors=broken["errors"])
    jsonschema.validate(doc, SARIF_SUBSET)
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert set(rules) == {"command-injection", "unsafe-deserialization", "xss", "hardcoded-secret/github-token"}
    for res in run["results"]:
        assert rules[res["ruleIndex"]] == res["ruleId"]
    flows = [r for r in run["results"] if "codeFlows" in r]
    assert flows and flows[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert "a1B2c3D4e5F6g7H8i9J0" not in str(doc)  # the secret itself is not in the report
    assert (
        run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
            "uri"
        ]
        == "app/broken.py"
    )


def test_fingerprints_survive_line_moves() -> None:
    first = to_sarif(scan_code(CODE, "a.py")["findings"])
    moved = to_sarif(scan_code("\n\n\n" + CODE, "a.py")["findings"])
    fps = [r["partialFingerprints"] for r in first["runs"][0]["results"]]
    assert fps == [r["partialFingerprints"] for r in moved["runs"][0]["results"]]
    assert len({str(f) for f in fps}) == len(fps)


@pytest.mark.parametrize("severity,level", [("critical", "error"), ("high", "error"), ("medium", "warning")])
def test_levels(severity: str, level: str) -> None:
    finding = {"rule_id": "xss", "severity": severity, "file": "a.py", "line": 3, "column": 0, "message": "m"}
    assert to_sarif([finding])["runs"][0]["results"][0]["level"] == level

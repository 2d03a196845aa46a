"""Tamper-evident audit log: one hash-chained JSON line per authentication decision and tool call."""

from code_scalpel.audit.log import GENESIS, AuditLog
from code_scalpel.audit.verify import VerifyResult, verify_files

__all__ = ["GENESIS", "AuditLog", "VerifyResult", "verify_files"]

"""
The error a bundle raises when it fails verification.
"""

from __future__ import annotations

from scanner.errors import CcscanError


class VerificationError(CcscanError):
    """
    The bundle is not what its signature says (tampered, unsigned, unsafe or malformed).

    Exit code 1: verification ran and said no. A bundle or key that cannot be read at all
    is an InputError (exit code 2).
    """

    exit_code = 1

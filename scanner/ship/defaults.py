"""
The sinks' option defaults, in a module of their own: `ccscan --help` shows them without
importing the sinks (and the HTTP, e-mail and report modules they need).
"""

DEFAULT_PREFIX = "ccscan/ocsf"
"""S3 key prefix."""
DEFAULT_STREAM = "Custom-CcscanFindings"
"""Sentinel DCR stream."""
DEFAULT_TOKEN_ENV = "CCSCAN_SPLUNK_TOKEN"
"""Environment variable holding the Splunk HEC token."""

"""
ccscan: compliance scanner for confidential AI workloads.
"""

__version__ = "0.1.0"

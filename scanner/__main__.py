"""
`python -m scanner` runs the ccscan CLI.
"""

from scanner.cli import main

main()

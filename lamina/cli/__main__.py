"""`python -m lamina.cli` is `lamina`."""

from lamina.cli.main import main

main()

"""The `lamina` command: thin wrappers over config, gateway and functions."""

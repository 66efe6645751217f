"""A KMS-compatible key service: keys, aliases, encryption, data keys, signing."""

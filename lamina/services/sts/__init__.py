"""An STS-compatible token service: who am I, session tokens, assumed roles."""

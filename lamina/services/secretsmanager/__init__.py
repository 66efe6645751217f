"""A Secrets Manager-compatible service: secrets, versions and staging labels, rotation."""

"""Lambda proxy events as API Gateway builds them: payload format 1.0 and 2.0."""

"""Clock, ids, ARNs, errors, logging: no AWS service knowledge, imports nothing of Lamina."""

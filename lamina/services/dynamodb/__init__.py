"""The DynamoDB-compatible service's foundation: attribute values and expressions.

Pure code, no storage and no network: `types` validates attribute values in DynamoDB's
wire form ({"S": "x"}, {"N": "12.5"}, {"M": {...}} ...), normalizes numbers, orders and
compares values and counts item sizes as DynamoDB does; `expression` parses and evaluates
condition, filter, key condition, projection and update expressions. The provider (tables,
storage, operations) builds on these. May import core and aws.
"""

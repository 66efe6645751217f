"""AWS protocol layer (botocore models, SigV4, error shapes). May import core and http."""

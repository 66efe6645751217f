"""SAM / CloudFormation loading into Lamina's model. May import every layer below it."""

"""The conversation side of the assistant: messages and their storage (DynamoDB single
table, in-memory fakes), the model providers, the agent loop's two steps (model step and
tool call) that the Express state machine runs, and the service functions behind the
conversation API (docs/topology.md)."""

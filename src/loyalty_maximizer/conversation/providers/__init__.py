"""Language models the agent can call: one ``ModelProvider.complete`` per model step
(``base``), over Bedrock Converse (``bedrock``) or an OpenAI-compatible chat endpoint
(``openai_compat``), chosen from the environment by ``factory``."""

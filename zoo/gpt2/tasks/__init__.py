"""The GPT tasks, one module each: `generate` (gpt2_generate) and `chatbot` (chatbot). What they
share is in `zoo.gpt2.task`; their configs are in `zoo.gpt2.config`."""

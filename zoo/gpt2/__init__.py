"""GPT: GPT-2 text generation pre-trained offline on the World English Bible, and a
question-answering chatbot fine-tuned from a pretrained causal LM (SmolLM2-135M-Instruct,
shipped offline) on chatterbot-corpus, both served with the decoding loop inside the SavedModel."""

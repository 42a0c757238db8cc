"""Spanish -> English translation: RNN encoder-decoders without and with attention, and a
Transformer, trained on Bible verse pairs and served as raw text in, English text out."""

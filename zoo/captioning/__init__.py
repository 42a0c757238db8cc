"""Image captioning: a CNN encoder and a Transformer decoder trained offline on rendered emoji
(captioned with their Unicode names) or openclipart drawings; image bytes in, caption out."""

"""ImageNet eyes, offline: EfficientNet-Lite0's published weights read without torch, an ImageNet
top-5 classifier, and transfer of the same network to small labelled sets."""

"""ImageNet eyes, offline: EfficientNet-Lite0's published weights read without torch, an ImageNet
top-5 classifier, and transfer of the same network to small labelled sets."""
from zoo.registry import TaskEntry

TASK_CLASS = "zoo.imagenet.task:ImageClassifierTask"
_FACES = {"dataset": "faces", "image_size": 96, "crop": 1.0, "epochs": 10, "frozen_epochs": 3,
          "learning_rate": 1e-3, "backbone_lr_scale": 0.1, "layer_decay": 0.9}

TASKS = (
    TaskEntry("image_classifier", "imagenet", TASK_CLASS,
              "ImageNet top-5 of any photo with EfficientNet-Lite0 (published weights, converted offline)"),
    TaskEntry("face_classifier", "imagenet", TASK_CLASS,
              "faces vs non-faces by transfer from ImageNet: frozen head first, then the blocks with layer-wise rates",
              _FACES),
    TaskEntry("face_classifier_scratch", "imagenet", TASK_CLASS,
              "the same network and budget as face_classifier, trained from random weights (the baseline)",
              {**_FACES, "weights": "random", "frozen_epochs": 0, "backbone_lr_scale": 1.0, "layer_decay": 1.0},
              quickstart=False),
)

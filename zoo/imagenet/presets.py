"""The imagenet tasks the registry lists: each a named preset with its summary and config defaults."""
from zoo.task_entry import TaskEntry

TASK_CLASS = "zoo.imagenet.task:ImageClassifierTask"

_FACES = {"dataset": "faces", "image_size": 96, "crop": 1.0, "epochs": 10, "frozen_epochs": 3,
          "learning_rate": 1e-3, "backbone_lr_scale": 0.1, "layer_decay": 0.9}

TASKS = (
    TaskEntry(
        name="image_classifier",
        family="imagenet",
        task_class=TASK_CLASS,
        summary="ImageNet top-5 of any photo with EfficientNet-Lite0 (published weights, converted offline)",
    ),
    TaskEntry(
        name="face_classifier",
        family="imagenet",
        task_class=TASK_CLASS,
        summary="faces vs non-faces by transfer from ImageNet: frozen head first, then the blocks with layer-wise rates",
        defaults=_FACES,
    ),
    TaskEntry(
        name="face_classifier_scratch",
        family="imagenet",
        task_class=TASK_CLASS,
        summary="the same network and budget as face_classifier, trained from random weights (the baseline)",
        defaults={**_FACES, "weights": "random", "frozen_epochs": 0, "backbone_lr_scale": 1.0, "layer_decay": 1.0},
        quickstart=False,
    ),
)

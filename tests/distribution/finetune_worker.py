"""Fine-tunes a small keras-hub BERT classifier with all three fine-tuning techniques (layer-wise
learning-rate decay, re-initialized top layer, stochastic weight averaging) under a strategy,
and writes the final weights; dropout is off so runs on 1 and 2 replicas are comparable.

    python tests/distribution/finetune_worker.py CPU_DEVICES WEIGHTS.npz
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from zoo.distribution import create_strategy  # noqa: E402


def main(cpu_devices: str, weights_path: str) -> None:
    strategy = create_strategy("mirrored", cpu_devices=int(cpu_devices))

    import keras
    import keras_hub
    import numpy as np

    import zoo
    from zoo.finetuning import (StochasticWeightAveraging, backbone_layer_groups, layerwise_lr_multipliers,
                                layerwise_optimizer, reinitialize_top_layers)

    task = zoo.get_task("bert_sentiment", backbone="tiny", train_examples=64, test_examples=50,
                        batch_size=16, sequence_length=32)
    train = task.datasets().train  # 64 examples: 4 batches that split evenly over 2 replicas
    keras.utils.set_random_seed(0)
    with strategy.scope():
        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=task.tokenizer.vocabulary_size(), num_layers=2, num_heads=2, hidden_dim=32,
            intermediate_dim=64, max_sequence_length=32, dropout=0.0,
        )
        classifier = keras_hub.models.BertTextClassifier(backbone, num_classes=3, preprocessor=None, dropout=0.0)
        reinitialized = reinitialize_top_layers(backbone, 1, seed=1)
        multipliers = layerwise_lr_multipliers(backbone_layer_groups(backbone), 0.5)
        classifier.compile(
            optimizer=layerwise_optimizer(keras.optimizers.AdamW(1e-3), multipliers),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
    swa = StochasticWeightAveraging(start_epoch=1, average_every_steps=2)
    history = classifier.fit(train, epochs=3, callbacks=[swa], verbose=0, shuffle=False)
    np.savez(weights_path, *classifier.get_weights())
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "reinitialized": len(reinitialized),
                      "distinct_multipliers": len(set(multipliers.values())), "swa_count": swa.count,
                      "loss": history.history["loss"]}))


if __name__ == "__main__":
    main(*sys.argv[1:])

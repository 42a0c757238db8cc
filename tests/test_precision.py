import keras
import numpy as np

from zoo.precision import _replace_policies, with_precision


def tiny(dtype: str) -> keras.Model:
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3, dtype=dtype, name="dense")(inputs))


def test_float32_of_a_float32_model_is_the_model_itself():
    model = tiny("float32")
    assert with_precision(model, "float32") is model


def test_a_bfloat16_model_comes_back_computing_in_float32_with_its_weights():
    model = tiny("mixed_bfloat16")
    exact = with_precision(model, "float32")
    assert exact is not model and exact.get_layer("dense").dtype_policy.name == "float32"
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(exact(x), model(x), atol=0.05)
    np.testing.assert_array_equal(exact.get_layer("dense").kernel.numpy(), model.get_layer("dense").kernel.numpy())


def test_integer_policies_are_left_alone():
    config = {"class_name": "DTypePolicy", "config": {"name": "int32"}}
    assert _replace_policies([config], "mixed_float16") == [config]

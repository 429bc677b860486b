"""health.py: dead ReLU maps counted per image, and the accuracy, in one pass over the test set."""
import numpy as np
import pytest

from simulator.engine import arch
from simulator.engine.data import normalise
from simulator.engine.health import dead_per_image, relu_maps, health_report
from simulator.engine.model import Network, NetConfig


def test_dead_per_image_counts_all_zero_maps():
    a = np.zeros((2, 3, 4, 4))
    a[0, 1, 2, 2] = 0.5                        # image 0: map 1 alive
    a[1, :, 0, 0] = 1.0                        # image 1: every map alive
    assert dead_per_image(a).tolist() == [2, 0]


def test_relu_maps_are_the_conv_layers_a_relu_follows():
    assert relu_maps(arch.LENET5) == {"conv1": "act1", "conv2": "act2"}
    assert relu_maps(arch.build("conv4k3-tanh-conv4k3-relu-fc10")) == {"conv2": "act2"}
    assert relu_maps(arch.build("fc32-relu-fc10")) == {}


def test_report_counts_maps_silenced_by_their_bias(mnist):
    """Push two conv2 biases far below anything their filters can sum: those two maps are dead
    for every digit, the rest as the untouched network has them."""
    x, y = normalise(mnist.test_images[:300]), mnist.test_labels[:300].astype(np.int64)
    model = Network(NetConfig(seed=2))
    acts = model.forward(x).outputs["act2"]
    model.params["conv2_b"][[3, 9]] = -1e4
    after = health_report(model, x, y, batch_size=128)
    silenced = np.where(np.isin(np.arange(16), [3, 9])[None, :, None, None], 0.0, acts)
    assert after.dead_mean["conv2"] == pytest.approx(dead_per_image(silenced).mean())
    assert after.dead_mean["conv2"] >= 2
    top = silenced.reshape(300, 16, -1).max(axis=2).max(axis=0)
    assert after.dead_always["conv2"] == int((top <= 0).sum()) >= 2
    assert after.maps == {"conv1": 6, "conv2": 16} and after.images == 300
    logits = model.forward(x).outputs["logits"]
    assert after.accuracy == pytest.approx((logits.argmax(axis=1) == y).mean())

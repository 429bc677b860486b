"""Every dispatch on a layer's kind in the engine is a table keyed by kind (arch.by_kind): a kind
no table lists is a TypeError naming it, never run as another kind (a Dense in model.py, a Conv
in the lecture, skipped in batched.py, as before these tables)."""
from dataclasses import dataclass

import numpy as np
import pytest

from simulator.engine import arch as archmod
from simulator.engine.arch import Arch, Conv, Dense, Flatten, by_kind, weighted


@dataclass(frozen=True)
class Dropout:                 # a kind the engine does not know
    name: str = "drop1"

    @property
    def token(self) -> str:
        return "dropout"


def with_dropout() -> Arch:
    """LeNet-5's layers with a Dropout after its first activation (shapes kept)."""
    lenet = archmod.LENET5
    i = 2
    return Arch(lenet.layers[:i] + (Dropout(),) + lenet.layers[i:], lenet.shapes[:i] + (lenet.shapes[i - 1],)
                + lenet.shapes[i:], lenet.input_shape)


def unknown(call):
    with pytest.raises(TypeError, match="Dropout"):
        call()


def test_the_table_helper_names_the_kind():
    unknown(lambda: by_kind({Conv: 1}, Dropout()))
    unknown(lambda: weighted(Dropout()))
    assert weighted(Conv(6, 5)) and weighted(Dense(10)) and not weighted(Flatten())


def test_arch_build_and_its_shapes_refuse_an_unknown_kind():
    unknown(lambda: archmod.build((Conv(6, 5), Dropout(), Dense(10))))
    unknown(lambda: with_dropout().param_shapes)


def test_the_model_batched_path_and_export_refuse_an_unknown_kind():
    from simulator.engine import batched
    from simulator.engine.model import NetConfig, Network, init_params
    arch = with_dropout()
    params = init_params(NetConfig(archmod.LENET5))
    x = np.zeros((2, 1, 28, 28), np.float32)
    unknown(lambda: batched.forward(params, arch, x))
    unknown(lambda: batched.loss_and_grads(params, arch, x, np.zeros(2, np.int64), False))
    net = Network(NetConfig(archmod.LENET5), params)
    object.__setattr__(net.config, "arch", arch)        # the model of a network with a new kind
    unknown(lambda: net.forward_ops(x))
    from simulator.engine.export import _nodes_of
    unknown(lambda: _nodes_of(Dropout(), arch, "input", lambda *a: None, None))


def test_the_lecture_lessons_and_designer_refuse_an_unknown_kind():
    from simulator.engine.arch_edit import Draft
    from simulator.engine.lecture import stages
    from simulator.engine.lessons.network import view
    arch = with_dropout()
    unknown(lambda: stages(arch))
    unknown(lambda: view(arch))
    unknown(lambda: Draft((Conv(6, 5), Dropout(), Dense(10))).conv_rows())

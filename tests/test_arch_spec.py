"""The --arch spec (engine/arch.py): every shape it infers is the shape PyTorch's layers give,
specs survive a round trip, and a network that cannot work is refused with the formula."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simulator.engine import arch
from simulator.errors import UserError

SPECS = [
    arch.LENET5_SPEC,
    "conv8k3-relu-maxpool2-conv16k3-relu-maxpool2-fc64-relu-fc10",
    "conv8k5s2p2-tanh-avgpool2-fc64-tanh-fc10",
    "conv4k7s3-sigmoid-maxpool3s2-fc10",
    "conv6k3p1-relu-conv6k3p1-relu-maxpool2-conv12k3-relu-avgpool3s2-fc32-relu-fc16-relu-fc10",
    "fc10",
    "conv3k28-fc10",
]


def _torch_shapes(a: arch.Arch) -> list[tuple]:
    """Push one zero image through the same layers in PyTorch and record each output shape."""
    x = torch.zeros((1,) + arch.INPUT_SHAPE)
    shapes = []
    for layer in a.layers:
        if isinstance(layer, arch.Conv):
            w = torch.zeros(layer.filters, x.shape[1], layer.kernel, layer.kernel)
            x = F.conv2d(x, w, stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, arch.Pool):
            pool = F.max_pool2d if layer.kind == "max" else F.avg_pool2d
            x = pool(x, layer.size, layer.stride)
        elif isinstance(layer, arch.Flatten):
            x = x.reshape(1, -1)
        elif isinstance(layer, arch.Dense):
            x = x @ torch.zeros(x.shape[1], layer.width)
        shapes.append(tuple(x.shape[1:]))
    return shapes


@pytest.mark.parametrize("spec", SPECS)
def test_shapes_are_pytorchs(spec):
    a = arch.build(spec)
    assert list(a.shapes) == _torch_shapes(a)
    assert a.shape_of("logits") == (arch.CLASSES,)
    assert a.tensor_names[0] == "input" and a.tensor_names[-1] == "logits"
    assert len(set(a.tensor_names)) == len(a.tensor_names)


@pytest.mark.parametrize("spec", SPECS)
def test_param_shapes_match_the_layers(spec):
    a = arch.build(spec)
    shapes = a.param_shapes
    for layer in a.layers:
        before = a.input_shape_of(layer)
        key = a.param_prefix(layer)
        if isinstance(layer, arch.Conv):
            assert shapes[f"{key}_w"] == (layer.filters, before[0], layer.kernel, layer.kernel)
        elif isinstance(layer, arch.Dense):
            assert shapes[f"{key}_w"] == (int(np.prod(before)), layer.width)
    assert a.param_count == sum(int(np.prod(s)) for s in shapes.values())


def test_lenet5_keeps_its_names():
    a = arch.LENET5
    assert a.tensor_names == ("input", "conv1", "act1", "pool1", "conv2", "act2", "pool2",
                              "flat", "fc1", "act3", "fc2", "act4", "logits")
    assert list(a.param_shapes) == ["conv1_w", "conv1_b", "conv2_w", "conv2_b", "fc1_w", "fc1_b",
                                    "fc2_w", "fc2_b", "fc3_w", "fc3_b"]
    assert a.param_count == 61706


@pytest.mark.parametrize("spec", SPECS)
def test_spec_round_trip(spec):
    a = arch.build(spec)
    assert arch.build(a.spec) == a
    assert arch.build(spec.upper().replace("-", " - ")).spec == a.spec


def test_defaults_are_written_out_only_when_needed():
    assert arch.build("conv6k5s1p0-relu-maxpool2s2-fc10").spec == "conv6k5-relu-maxpool2-fc10"
    assert arch.build("conv6k5s2-maxpool3s1-fc10").spec == "conv6k5s2-maxpool3s1-fc10"


def test_with_kinds_changes_only_the_kinds():
    a = arch.LENET5.with_kinds(activation="tanh", pool="avg")
    assert {layer.kind for layer in a.of_type(arch.Act)} == {"tanh"}
    assert {layer.kind for layer in a.of_type(arch.Pool)} == {"avg"}
    assert a.shapes == arch.LENET5.shapes and a.param_shapes == arch.LENET5.param_shapes


@pytest.mark.parametrize("spec, words", [
    ("conv6k5p2-relu-maxpool2-conv16k5-relu-maxpool2-conv16k7-fc10",
     "conv3: (5 − 7 + 2·0)/1 + 1 = −1: the kernel is larger than its 5×5 input"),
    ("conv6k30-fc10", "conv1: (28 − 30 + 2·0)/1 + 1 = −1"),
    ("conv6k5-maxpool25-fc10", "pool1: (24 − 25)/25 + 1 = 0.96: the window is larger than its 24×24 input"),
    ("conv6x5-fc10", "'conv6x5' is not a layer"),
    ("conv6k5-relu", "must end in fc10"),
    ("conv6k5-fc12", "the last layer is fc12; it must be fc10"),
    ("fc32-conv6k5-fc10", "comes after a dense layer"),
    ("conv6k3p3-fc10", "padding 3 must be smaller than the kernel"),
    ("conv0k3-fc10", "has 0 filters"),
    ("conv6k3s0-fc10", "stride must be at least 1"),
    ("fc0-fc10", "has width 0"),
    ("", "the spec is empty"),
    ("conv6k5--fc10", "has an empty layer"),
    ("conv6k5-fc10-", "has an empty layer"),
    ("fc4096-fc4096-fc10", "parameters; at most"),
    ("-".join(["relu"] * 45) + "-fc10", "layers; at most"),
])
def test_refusals_name_the_problem(spec, words):
    with pytest.raises(arch.ArchError) as err:
        arch.build(spec)
    assert words in str(err.value)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, UserError)          # the command line turns it into exit status 2


def test_shape_formula_agrees_with_pytorch_on_refusal():
    """Where the spec is refused for size, PyTorch refuses the same layer too."""
    with pytest.raises(RuntimeError):
        F.conv2d(torch.zeros(1, 16, 5, 5), torch.zeros(16, 16, 7, 7))
    with pytest.raises(arch.ArchError):
        arch.build("conv6k5p2-relu-maxpool2-conv16k5-relu-maxpool2-conv16k7-fc10")

"""The lessons that show the network (network3d, params, tensors) read their layers and shapes
from an Arch: for networks other than LeNet-5 their data matches Arch.shape_of / param_shapes,
receptive fields are exactly what changes a neuron, and the screens draw them inside the layout."""
import numpy as np
import pytest

from simulator.engine import arch as archmod
from simulator.engine.lessons import network as net
from simulator.engine.lessons.params import layer_counts
from simulator.engine.lessons.tensors import BATCH, tensor_examples
from test_lessons_render import cache  # noqa: F401  (autouse: an empty user cache, tiny quick models)

SPECS = ["conv8k3s2-tanh-avgpool2-conv12k3p1-sigmoid-fc32-tanh-fc10",       # stride 2, padding, avg, k3
         "conv4k7p3-relu-maxpool3s2-conv10k5-relu-fc24-relu-fc16-relu-fc10",   # k7, overlapping max pool
         "fc32-relu-fc10"]                                                       # no convolution at all
WIDE = "conv32k5p2-relu-maxpool2-conv64k3-relu-maxpool2-fc128-relu-fc10"   # more maps than a panel holds at 2 px


@pytest.fixture(params=SPECS)
def arch(request):
    return archmod.build(request.param)


def test_shown_volumes_are_the_archs_tensors(arch):
    shown = net.view(arch)
    assert shown.volumes[0] == ("input", archmod.INPUT_SHAPE)
    for name, shape in shown.volumes:
        real = arch.shape_of(name)
        assert shape == (real if len(real) == 3 else (real[0], 1, 1)), name
    # every conv, pool and dense layer is shown once (an activation in its place), the flatten never
    shown_layers = [layer for layer in arch.layers if isinstance(layer, (archmod.Conv, archmod.Pool, archmod.Dense))]
    assert len(shown.volumes) == 1 + len(shown_layers)
    for (name, _), layer in zip(shown.volumes[1:], shown_layers):
        kind, size, stride, pad = shown.links[name]
        if isinstance(layer, archmod.Conv):
            assert (kind, size, stride, pad) == ("conv", layer.kernel, layer.stride, layer.padding)
        elif isinstance(layer, archmod.Pool):
            assert (kind, size, stride, pad) == ("pool", layer.size, layer.stride, 0)
        else:
            assert kind == "dense" and shown.captions[name].startswith(arch.param_prefix(layer))
    assert shown.names[-1] == "logits"


def test_receptive_field_is_exactly_what_changes_the_neuron(arch):
    """Outside the field no input pixel changes the neuron; with avg pooling and smooth
    activations, each pixel inside does (one perturbed copy of the image per pixel)."""
    from simulator.engine.model import NetConfig, Network
    shown = net.view(arch)
    model = Network(NetConfig(arch, seed=3), dtype=np.float64)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 1, 28, 28))
    spatial = [(name, shape) for name, shape in shown.volumes[1:] if shape[1] > 1]
    for name, (C, H, W) in spatial:
        c, r, k = C - 1, H // 2, W - 1
        field = net.receptive_field(name, c, r, k, shown)["input"]
        base = model.forward(x).outputs[name][0, c, r, k]
        mask = np.ones((28, 28), bool)
        mask[field.r0:field.r1, field.k0:field.k1] = False
        outside = x.copy()
        outside[0, 0][mask] += rng.normal(size=mask.sum())
        assert model.forward(outside).outputs[name][0, c, r, k] == base, name
        if all(pool.kind == "avg" for pool in arch.of_type(archmod.Pool)):
            rows, cols = np.nonzero(~mask)
            batch = np.repeat(x, len(rows), axis=0)
            batch[np.arange(len(rows)), 0, rows, cols] += 1.0
            assert np.all(model.forward(batch).outputs[name][:, c, r, k] != base), name


def test_param_counts_are_the_archs(arch):
    counts = layer_counts(arch)
    shapes = arch.param_shapes
    assert [f"{c.name}_w" for c in counts] == [n for n in shapes if n.endswith("_w")]
    weighted = [layer for layer in arch.layers if isinstance(layer, (archmod.Conv, archmod.Dense))]
    for c, layer in zip(counts, weighted):
        assert c.w_shape == shapes[f"{c.name}_w"]
        assert c.params == int(np.prod(c.w_shape)) + shapes[f"{c.name}_b"][0]
        assert c.out_shape == arch.shape_of(layer.name)
        assert c.in_shape == arch.input_shape_of(layer)
        assert c.dense_params == int(np.prod(c.in_shape)) * int(np.prod(c.out_shape)) + int(np.prod(c.out_shape))
    assert sum(c.params for c in counts) == arch.param_count


def test_tensor_examples_are_the_archs_tensors(arch, mnist):
    examples = tensor_examples(mnist.test_images, mnist.test_labels, None, arch)
    last_w = f"{arch.param_prefix(arch.of_type(archmod.Dense)[-1])}_w"
    first_maps = next((n for n in arch.tensor_names[1:] if len(arch.shape_of(n)) == 3), "input")
    assert [e.shape for e in examples] == [(), (10,), arch.param_shapes[last_w], arch.shape_of(first_maps),
                                           (BATCH, *archmod.INPUT_SHAPE)]
    assert last_w.removesuffix("_w") in examples[2].name
    assert (first_maps if first_maps != "input" else "the input") in examples[3].name
    for e in examples:
        assert e.value == float(e.array[e.index])


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, mnist):
    """A checkpoint of each spec after two training steps (its config holds the spec)."""
    from simulator.engine.checkpoint import save_checkpoint
    from simulator.engine.trainer import TrainConfig, Trainer
    out = {}
    for spec in SPECS + [WIDE]:
        trainer = Trainer(TrainConfig(arch=spec, batch_size=16), mnist.subset(64, 16))
        trainer.train_step()
        trainer.train_step()
        path = tmp_path_factory.mktemp("ckpt") / "checkpoint.npz"
        save_checkpoint(path, trainer.state())
        out[spec] = path
    return out


@pytest.mark.parametrize("spec", SPECS + [WIDE])
@pytest.mark.parametrize("lesson", ["network3d", "params", "tensors"])
def test_screens_draw_another_network_inside_their_layout(lesson, spec, checkpoints, mnist_dir):
    from render_kit import draw, make
    from simulator.render.lessons import LessonOptions
    arch = archmod.build(spec)
    scene = make(lesson, LessonOptions(data=mnist_dir, checkpoint=checkpoints[spec]))
    try:
        scene.demo()
        drawn = draw(scene)
        texts = drawn.texts
        assert drawn.violations == []
        if lesson == "network3d":
            assert scene.shown.arch.spec == arch.spec
            for caption in net.view(arch).captions.values():
                assert caption in texts
        elif lesson == "params":
            assert [c.w_shape for c in scene.counts] == [s for n, s in arch.param_shapes.items() if n.endswith("_w")]
            assert any(f"{arch.param_count:,} parameters" in s for s in texts)
        else:
            assert any("shape [" + ", ".join(map(str, arch.shape_of("logits"))) + "]" in s for s in texts)
    finally:
        scene.close()

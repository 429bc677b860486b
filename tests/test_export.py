"""`python main.py export`: the ONNX graph computes the engine's logits.

float32 in onnxruntime against the engine's float32 logits, |Δ| ≤ 1e-5·(1 + |logit|): both
round every multiply-add to float32 in their own order, and the engine's own float32 logits
already differ from its float64 ones by ~7e-6 on the bundled model (logits up to ~27), so 1e-5
absolute is the rounding floor and the bound grows with the logit. The same graph built in float64
and run by onnx's reference evaluator agrees with the engine's float64 logits to 1e-9: the
float32 gap is rounding, not a different computation.
"""
import numpy as np
import pytest

from simulator.engine import arch as archmod
from simulator.engine.checkpoint import load_checkpoint
from simulator.engine.data import normalise
from simulator.paths import BUNDLED_MODEL

import onnx  # noqa: E402  (test dependency: a missing one fails here, never skips)
import onnxruntime as ort  # noqa: E402

from simulator.engine.export import build_model  # noqa: E402  (needs onnx)

# non-default networks (random parameters): stride 2, padding 0 and 1, avg pooling, kernels 3 and 7,
# overlapping pooling windows (3 stride 2), sigmoid and tanh, no activation between layers, 1 to 3
# conv layers, 1 to 3 dense layers
SPECS = [
    archmod.LENET5.with_kinds(activation="sigmoid", pool="avg").spec,
    "conv8k3s2-tanh-avgpool2-conv12k3p1-sigmoid-fc32-tanh-fc10",
    "conv4k7p3-relu-maxpool3s2-conv10k5-relu-fc24-relu-fc16-relu-fc10",
    "conv6k3-sigmoid-conv8k3s2-tanh-maxpool2s1-conv5k3p1-relu-avgpool3s2-fc10",
    "conv3k5s3-fc20-fc10",
    "fc32-relu-fc10",
]


def engine(arch, params, dtype=np.float32):
    from simulator.engine.model import NetConfig, Network
    return Network(NetConfig(arch), {k: np.ascontiguousarray(v, dtype) for k, v in params.items()}, dtype=dtype)


def random_params(arch, seed):
    """Parameters of the arch's shapes with every weight and bias non-zero."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in arch.param_shapes.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        scale = 0.1 if name.endswith("_b") else np.sqrt(2.0 / fan_in)
        out[name] = (rng.standard_normal(shape) * scale).astype(np.float32)
    return out


def run_ort(model, pixels, outputs=None):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(outputs, {"image": pixels})


def pixels(images, dtype=np.float32):
    """uint8 [N,28,28] → the graph's input: raw pixels in [0,1], [N,1,28,28]."""
    return (images.astype(dtype) / dtype(255))[:, None]


def check_float32(arch, params, images):
    expected = engine(arch, params).forward(normalise(images)).outputs["logits"]
    got = run_ort(build_model(arch, params), pixels(images))[0]
    delta = np.abs(got - expected)
    assert got.shape == expected.shape == (len(images), 10)
    assert np.all(delta <= 1e-5 * (1 + np.abs(expected))), (arch.spec, delta.max(), np.abs(expected).max())
    return float(delta.max())


def check_float64(arch, params, images):
    from onnx.reference import ReferenceEvaluator
    model64 = engine(arch, params, np.float64)
    expected = model64.forward(normalise(images, np.float64)).outputs["logits"]
    got = ReferenceEvaluator(build_model(arch, params, np.float64)).run(None, {"image": pixels(images, np.float64)})[0]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_bundled_model_runs_in_onnxruntime_with_the_engines_logits(mnist):
    state = load_checkpoint(BUNDLED_MODEL)
    images = mnist.test_images[:256]
    check_float32(archmod.LENET5, state["params"], images)
    check_float64(archmod.LENET5, state["params"], images[:16])
    # and it reads digits: the argmax is the engine's prediction, mostly right
    got = run_ort(build_model(archmod.LENET5, state["params"]), pixels(images))[0]
    assert (got.argmax(1) == mnist.test_labels[:256]).mean() > 0.95


@pytest.mark.parametrize("spec", SPECS)
def test_other_networks_run_in_onnxruntime_with_the_engines_logits(spec, mnist):
    arch = archmod.build(spec)
    params = random_params(arch, seed=len(spec))
    images = mnist.test_images[:64]
    check_float32(arch, params, images)
    check_float64(arch, params, images[:8])


def test_every_tensor_and_initializer_carries_the_engines_name_and_shape(mnist):
    arch = archmod.LENET5
    params = random_params(arch, seed=1)
    model = build_model(arch, params)
    inits = {t.name: tuple(t.dims) for t in model.graph.initializer}
    for name, shape in arch.param_shapes.items():
        assert inits[name] == shape
    for extra in arch.tensor_names[:-1]:        # expose every intermediate tensor as an output
        model.graph.output.append(onnx.helper.make_tensor_value_info(extra, onnx.TensorProto.FLOAT, None))
    names = [o.name for o in model.graph.output]
    images = mnist.test_images[:4]
    got = dict(zip(names, run_ort(model, pixels(images))))
    fwd = engine(arch, params).forward(normalise(images)).outputs
    for name in arch.tensor_names:
        assert got[name].shape == (4, *arch.shape_of(name)), name
        np.testing.assert_allclose(got[name], fwd[name], rtol=1e-5, atol=1e-5, err_msg=name)


def test_the_input_is_raw_pixels_and_the_doc_says_so():
    model = build_model(archmod.LENET5, random_params(archmod.LENET5, 0))
    (inp,) = model.graph.input
    dims = inp.type.tensor_type.shape.dim
    assert inp.name == "image" and dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [1, 28, 28]
    assert "raw pixels" in model.doc_string and "[0, 1]" in model.doc_string
    props = {p.key: p.value for p in model.metadata_props}
    assert props["arch"] == archmod.LENET5.spec


# --- the command ------------------------------------------------------------------------------

def test_export_command_writes_a_file_onnxruntime_runs(tmp_path, mnist):
    from test_cli import main_py
    out = tmp_path / "sub" / "lenet.onnx"
    proc = main_py("export", BUNDLED_MODEL, out)
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout and archmod.LENET5.spec in proc.stdout
    assert [p.name for p in out.parent.iterdir()] == ["lenet.onnx"]         # no temp file left behind
    onnx.checker.check_model(str(out), full_check=True)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    images = mnist.test_images[:32]
    got = session.run(None, {"image": pixels(images)})[0]
    expected = engine(archmod.LENET5, load_checkpoint(BUNDLED_MODEL)["params"]).forward(
        normalise(images)).outputs["logits"]
    assert np.all(np.abs(got - expected) <= 1e-5 * (1 + np.abs(expected)))


def test_export_of_a_missing_or_corrupt_checkpoint_is_one_line_exit_2(tmp_path):
    from test_cli import assert_one_line_error, main_py
    assert_one_line_error(main_py("export", tmp_path / "none.npz", tmp_path / "a.onnx"), "none.npz", "not found")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(BUNDLED_MODEL.read_bytes()[:4000])                     # truncated
    assert_one_line_error(main_py("export", bad, tmp_path / "a.onnx"), "bad.npz")
    assert not (tmp_path / "a.onnx").exists()
    assert_one_line_error(main_py("export", BUNDLED_MODEL, tmp_path), "folder")


def test_export_without_onnx_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from simulator import cli
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)           # import onnx → ImportError
    assert cli.main(["export", str(BUNDLED_MODEL), str(tmp_path / "a.onnx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'cnn-simulator[onnx]'" in err[0] and "pipx inject" in err[0]
    assert not (tmp_path / "a.onnx").exists()


def test_export_command_takes_the_network_the_checkpoint_stores(tmp_path, mnist):
    """A checkpoint of a non-default network (its spec in the config) exports that network."""
    from test_cli import main_py
    from simulator.engine.checkpoint import save_checkpoint
    from simulator.engine.trainer import TrainConfig, Trainer
    arch = archmod.build(SPECS[1])
    trainer = Trainer(TrainConfig(arch=arch.spec, batch_size=16), mnist.subset(64, 16))
    trainer.train_step()
    save_checkpoint(tmp_path / "c.npz", trainer.state())
    proc = main_py("export", tmp_path / "c.npz", tmp_path / "c.onnx")
    assert proc.returncode == 0 and arch.spec in proc.stdout, proc.stderr
    model = onnx.load(str(tmp_path / "c.onnx"))
    assert {p.key: p.value for p in model.metadata_props}["arch"] == arch.spec
    images = mnist.test_images[:16]
    got = ort.InferenceSession(str(tmp_path / "c.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {"image": pixels(images)})[0]
    expected = trainer.model.forward(normalise(images)).outputs["logits"]
    assert np.all(np.abs(got - expected) <= 1e-5 * (1 + np.abs(expected)))


def test_colour_networks_normalise_per_channel_and_name_their_classes():
    """A 3×32×32 network in 6 classes (and a grey 48×40 one in 3): input [N,C,H,W], the data's
    mean and std per channel as [1,C,1,1] nodes, the class names in the metadata; float64 to 1e-9
    and float32 in onnxruntime against the engine's logits."""
    import json
    from onnx.reference import ReferenceEvaluator
    from simulator.engine.dataformat import DataFormat
    cases = [(DataFormat(3, 32, 32, ("a", "b", "c", "d", "e", "f"), (0.2, 0.5, 0.7), (0.1, 0.3, 0.25)),
              archmod.lenet5_spec((32, 32), 6)),
             (DataFormat(1, 48, 40, ("cat", "dog", "emu"), (0.4,), (0.2,)), "conv4k5s2-relu-avgpool2-fc16-relu-fc3")]
    rng = np.random.default_rng(5)
    for fmt, spec in cases:
        arch = archmod.build(spec, fmt.input_shape, fmt.n_classes)
        params = random_params(arch, 1)
        images = rng.integers(0, 256, (7, fmt.height, fmt.width) + ((3,) if fmt.colour else ()), dtype=np.uint8)
        raw = images.transpose(0, 3, 1, 2) if fmt.colour else images[:, None]
        model = build_model(arch, params, fmt=fmt)
        dims = [d.dim_value or d.dim_param for d in model.graph.input[0].type.tensor_type.shape.dim]
        assert dims == ["N", *fmt.input_shape]
        inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
        np.testing.assert_allclose(inits["mean"].reshape(-1), fmt.mean, rtol=1e-6)
        assert inits["std"].shape == (1, fmt.channels, 1, 1)
        props = {p.key: p.value for p in model.metadata_props}
        assert json.loads(props["classes"]) == list(fmt.classes) and props["arch"] == arch.spec
        expected = engine(arch, params).forward(normalise(images, fmt=fmt)).outputs["logits"]
        got = run_ort(model, (raw / np.float32(255)).astype(np.float32))[0]
        assert got.shape == (7, fmt.n_classes)
        assert np.all(np.abs(got - expected) <= 1e-5 * (1 + np.abs(expected)))
        expected64 = engine(arch, params, np.float64).forward(normalise(images, np.float64, fmt)).outputs["logits"]
        got64 = ReferenceEvaluator(build_model(arch, params, np.float64, fmt)).run(None, {"image": raw / 255.0})[0]
        np.testing.assert_allclose(got64, expected64, rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="format"):              # a network and a format that do not go together
        build_model(archmod.LENET5, random_params(archmod.LENET5, 0), fmt=cases[0][0])

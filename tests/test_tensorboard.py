"""train --tensorboard DIR: the event file holds the scalars, the network's graph (from the ONNX
export) and, per epoch, the filters and feature maps, read back from the file itself.

An event file is a sequence of TFRecords (uint64 length, uint32 CRC, an Event protobuf,
uint32 CRC); tensorboardX ships the Event protobuf's Python class, so no TensorBoard is needed.
"""
import io
import struct
import sys

import numpy as np
import pytest

from simulator.engine import arch as archmod
from simulator.engine.train import RunOptions, run
from simulator.engine.trainer import TrainConfig

import onnx  # noqa: E402,F401  (test dependencies: a missing one fails here, never skips)
import tensorboardX  # noqa: E402,F401


def read_events(folder):
    from tensorboardX.proto import event_pb2
    events = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        raw = path.read_bytes()
        at = 0
        while at < len(raw):
            (length,) = struct.unpack_from("<Q", raw, at)
            event = event_pb2.Event()
            event.ParseFromString(raw[at + 12:at + 12 + length])
            events.append(event)
            at += 12 + length + 4
    return events


def summaries(events):
    """[(tag, step, summary value)] of every scalar and image."""
    return [(v.tag, e.step, v) for e in events if e.HasField("summary") for v in e.summary.value]


def png(value) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(value.image.encoded_image_string)).convert("RGB"))


def short_run(tmp_path, config=TrainConfig(epochs=2, batch_size=100, lr=0.05)):
    board = tmp_path / "board"
    result = run(config, RunOptions(out_dir=tmp_path / "run", subset=(600, 100), tensorboard_dir=board, quiet=True))
    assert result.status == "finished"
    return board, read_events(board)


@pytest.mark.parametrize("spec", [None, "conv8k3s2-tanh-avgpool2-conv12k3p1-sigmoid-fc32-tanh-fc10"])
def test_event_file_holds_graph_scalars_filters_and_feature_maps(tmp_path, spec):
    from simulator.engine import board as boardmod
    from simulator.engine.arch import LENET5, build
    from simulator.engine.checkpoint import load_checkpoint
    from simulator.engine.data import load_dataset
    from simulator.engine.model import NetConfig, Network
    arch = build(spec) if spec else LENET5
    folder, events = short_run(tmp_path, TrainConfig(epochs=2, batch_size=100, lr=0.05, arch=arch.spec))
    act = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid"}

    graphs = [e.graph_def for e in events if e.HasField("graph_def")]
    assert len(graphs) == 1
    from tensorboardX.proto.graph_pb2 import GraphDef
    graph = GraphDef()
    graph.ParseFromString(graphs[0])
    ops = {n.name: n.op for n in graph.node}
    for layer in arch.layers:                        # one node per engine layer, named after its tensor
        assert layer.name in ops
    shapes = {n.name: tuple(d.size for d in n.attr["shape"].shape.dim) for n in graph.node if n.op == "Variable"}
    for name, shape in arch.param_shapes.items():    # and one per parameter, with its shape
        assert shapes[name] == shape
    assert "conv1_w" in next(n for n in graph.node if n.name == "conv1").input
    pool = {"max": "MaxPool", "avg": "AveragePool"}[arch.of_type(archmod.Pool)[0].kind]
    assert ops["conv1"] == "Conv" and ops["act1"] == act[arch.layers[1].kind] and ops["pool1"] == pool
    assert ops["logits"] == "Gemm"
    assert len(ops) == len(graph.node)               # unique names, or TensorBoard merges nodes

    seen = summaries(events)
    tags = {tag for tag, _, _ in seen}
    assert {"train/loss", "test/accuracy", "test/loss", "input/digit", "filters/conv1", "filters/conv2",
            "maps/act1", "maps/act2"} <= tags
    steps = sorted(step for tag, step, _ in seen if tag == "filters/conv1")
    accuracy_steps = sorted(step for tag, step, _ in seen if tag == "test/accuracy")
    assert steps == [0, *accuracy_steps] and len(accuracy_steps) == 2      # the start, then each epoch end

    # the last pictures are exactly the checkpoint's filters and the maps it makes of test digit 0
    state = load_checkpoint(tmp_path / "run" / "checkpoint.npz")
    model = Network(NetConfig(arch), state["params"])
    digit = load_dataset().test_images[0]
    expected = boardmod.pictures(arch, state["params"], model.forward(
        boardmod.normalise(digit[None])).outputs)
    last = {tag: v for tag, step, v in seen if step == steps[-1] and v.HasField("image")}
    for tag in ("filters/conv1", "filters/conv2", "maps/act1", "maps/act2"):
        np.testing.assert_array_equal(png(last[tag]), expected[tag], err_msg=tag)
    first = {tag: v for tag, step, v in seen if step == 0 and v.HasField("image")}
    assert not np.array_equal(png(first["filters/conv1"]), expected["filters/conv1"])   # training moved them


def test_filter_picture_layout():
    from simulator.engine import board as boardmod
    w = np.zeros((16, 6, 5, 5))
    w[3, 2, 1, 4] = 2.0                                   # one positive weight: filter 3, channel 2
    w[0, 0, 0, 0] = -1.0
    w[5, 1, 2, 2] = 2.0                                   # so the scale (98th percentile) is 2
    pic = boardmod.tile(w)
    scale = pic.shape[1] // (6 * 6 + 1)
    assert pic.shape == ((16 * 6 + 1) * scale, (6 * 6 + 1) * scale, 3)
    at = lambda row, col: pic[row * scale, col * scale]    # noqa: E731
    assert tuple(at(1 + 3 * 6 + 1, 1 + 2 * 6 + 4)) == tuple(boardmod.POSITIVE)
    half_blue = (boardmod.ZERO + (boardmod.NEGATIVE - boardmod.ZERO) * 0.5).astype(np.uint8)   # −1 of limit 2
    assert tuple(at(1, 1)) == tuple(half_blue)
    assert tuple(at(1, 2)) == tuple(boardmod.ZERO) and tuple(at(0, 0)) == (0, 0, 0)       # zero, then a gap


def test_without_onnx_the_graph_is_skipped_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnx", None)
    board = tmp_path / "board"
    result = run(TrainConfig(epochs=1, batch_size=100), RunOptions(out_dir=tmp_path / "run", subset=(300, 100),
                                                                   tensorboard_dir=board))
    assert result.status == "finished"
    notes = [line for line in capsys.readouterr().err.splitlines() if "graph" in line]
    assert len(notes) == 1 and "pip install 'cnn-simulator[tensorboard]'" in notes[0]
    events = read_events(board)
    assert not any(e.HasField("graph_def") for e in events)
    assert "filters/conv1" in {tag for tag, _, _ in summaries(events)}


def test_without_tensorboardx_train_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from simulator import cli
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    code = cli.main(["train", "--epochs", "1", "--subset", "100", "--out", str(tmp_path / "run"),
                     "--tensorboard", str(tmp_path / "board")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1 and "pip install 'cnn-simulator[tensorboard]'" in err[0], err


def test_a_colour_run_shows_its_input_and_first_filters_in_colour(tmp_path):
    """On 3-channel input, filters/conv1 is one colour patch per filter (R, G, B = the weights of
    the three planes, mid-grey 0), the input picture is in colour, and the graph's input is [N,3,H,W]."""
    from simulator.engine import board as boardmod
    from simulator.engine.checkpoint import load_checkpoint
    from simulator.engine.data import Dataset
    from simulator.engine.dataformat import DataFormat
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (120, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 4, 120).astype(np.uint8)
    fmt = DataFormat(3, 32, 32, ("w", "x", "y", "z"), (0.5, 0.5, 0.5), (0.29, 0.29, 0.29))
    data = Dataset(images[:100], labels[:100], images[100:], labels[100:], tmp_path, fmt)
    board = tmp_path / "board"
    config = TrainConfig(epochs=1, batch_size=20, arch=archmod.lenet5_spec((32, 32), 4))
    assert run(config, RunOptions(out_dir=tmp_path / "run", tensorboard_dir=board, quiet=True,
                                  data=data)).status == "finished"
    events = read_events(board)
    seen = summaries(events)
    last = {tag: v for tag, step, v in seen if v.HasField("image")}
    np.testing.assert_array_equal(png(last["input/image"])[::7, ::7], images[100])     # enlarged 7×
    state = load_checkpoint(tmp_path / "run" / "checkpoint.npz")
    w = state["params"]["conv1_w"]
    picture = png(last["filters/conv1"])
    np.testing.assert_array_equal(picture, boardmod.colour_patches(w, 6))
    scale = picture.shape[1] // (6 * 6 + 1)
    k = int(np.abs(w).reshape(6, -1).max(axis=1).argmax())            # the filter holding the largest weight
    c, p, q = np.unravel_index(np.abs(w[k]).argmax(), w[k].shape)
    pixel = picture[(1 + p) * scale, (1 + k * 6 + q) * scale]
    assert pixel[c] in (1, 255) and len(set(pixel.tolist())) > 1     # its channel at full strength: colour
    assert "filters/conv1/channels" in last and "filters/conv2" in last
    from tensorboardX.proto.graph_pb2 import GraphDef
    graph = GraphDef()
    graph.ParseFromString(next(e.graph_def for e in events if e.HasField("graph_def")))
    image = next(n for n in graph.node if n.name == "image")
    assert [d.size for d in image.attr["shape"].shape.dim][1:] == [3, 32, 32]

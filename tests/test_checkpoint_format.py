"""A checkpoint records the data format it was trained on (channels, size, class names,
normalisation): it round-trips, an old checkpoint (and the bundled model) is MNIST's, a damaged
format block is refused in one line, and a trainer refuses a checkpoint of another format."""
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.fuzz import members, with_meta
from simulator.engine.arch import lenet5_spec
from simulator.engine.checkpoint import CheckpointError, load_checkpoint, network_of, save_checkpoint
from simulator.engine.data import Dataset
from simulator.engine.dataformat import MNIST, DataFormat, FormatError
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.paths import BUNDLED_MODEL

COLOUR = DataFormat(3, 32, 32, ("blue-circle", "red-circle", "x"), (0.4, 0.5, 0.6), (0.2, 0.25, 0.3))


def colour_trainer(fmt=COLOUR, seed=0):
    rng = np.random.default_rng(seed)
    n = 40
    shape = (fmt.height, fmt.width) + ((3,) if fmt.colour else ())
    data = Dataset(rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, fmt.n_classes, n),
                   rng.integers(0, 256, (8, *shape), dtype=np.uint8), rng.integers(0, fmt.n_classes, 8), None, fmt)
    return Trainer(TrainConfig(arch=lenet5_spec((fmt.height, fmt.width), fmt.n_classes), batch_size=10), data)


OLD = Path(__file__).parent / "data" / "lenet5-before-specs.npz"    # the model bundled until 2026-12-06


def test_the_bundled_model_and_old_checkpoints_are_mnist():
    assert load_checkpoint(BUNDLED_MODEL)["format"] == MNIST
    state = load_checkpoint(OLD)
    assert "data" not in json.loads(members(OLD.read_bytes())["meta"].tobytes())   # written before formats
    assert state["format"] == MNIST and network_of(state).input_shape == (1, 28, 28)


def test_a_colour_checkpoint_round_trips(tmp_path):
    trainer = colour_trainer()
    trainer.train_step()
    save_checkpoint(tmp_path / "c.npz", trainer.state())
    state = load_checkpoint(tmp_path / "c.npz")
    assert state["format"] == COLOUR
    assert network_of(state).param_shapes["conv1_w"] == (6, 3, 5, 5)
    again = colour_trainer(seed=1)
    again.load_state(state, keep_config=True)
    for name, value in trainer.model.params.items():
        np.testing.assert_array_equal(again.model.params[name], value)


def test_a_trainer_refuses_a_checkpoint_of_another_format(tmp_path):
    trainer = colour_trainer()
    save_checkpoint(tmp_path / "c.npz", trainer.state())
    state = load_checkpoint(tmp_path / "c.npz")
    other = colour_trainer(DataFormat(3, 32, 32, ("p", "q", "r"), (0.5,) * 3, (0.3,) * 3))
    with pytest.raises(ValueError, match=r"classes \(blue-circle, red-circle, x\), not \(p, q, r\)") as err:
        other.load_state(state, keep_config=True)
    assert "\n" not in str(err.value)
    grey = colour_trainer(DataFormat(1, 32, 32, COLOUR.classes, (0.5,), (0.3,)))
    with pytest.raises(ValueError, match="3×32×32 colour images in 3 classes, not 1×32×32 grey"):
        grey.load_state(state, keep_config=True)


BAD = [
    ("not a dict", "not a JSON object"),
    ({**COLOUR.as_dict(), "channels": 2}, "grey (1) or colour (3)"),
    ({**COLOUR.as_dict(), "channels": "3"}, "channels is not a whole number"),
    ({**COLOUR.as_dict(), "height": 2}, "image height 2"),
    ({**COLOUR.as_dict(), "width": 1000}, "image width 1000"),
    ({**COLOUR.as_dict(), "classes": ["a"]}, "1 classes"),
    ({**COLOUR.as_dict(), "classes": [f"c{i}" for i in range(101)]}, "101 classes"),
    ({**COLOUR.as_dict(), "classes": ["a", "a", "b"]}, "same name"),
    ({**COLOUR.as_dict(), "classes": ["a", 7, "b"]}, "printable text"),
    ({**COLOUR.as_dict(), "classes": "abc"}, "classes is not a list"),
    ({**COLOUR.as_dict(), "mean": [0.5]}, "one number per channel"),
    ({**COLOUR.as_dict(), "mean": [0.5, None, 0.5]}, "not a number"),
    ({**COLOUR.as_dict(), "std": [0.5, 0.0, 0.5]}, "standard deviation"),
    ({**COLOUR.as_dict(), "mean": [0.5, 7.0, 0.5]}, "mean lies outside"),
    ({k: v for k, v in COLOUR.as_dict().items() if k != "std"}, "fields are wrong (std)"),
    ({**COLOUR.as_dict(), "extra": 1}, "fields are wrong (extra)"),
    ({**COLOUR.as_dict(), "classes": ["a", "b"]}, "the last layer is fc3; it must be fc2"),   # not its network's
    ({**COLOUR.as_dict(), "classes": ["a", "b", "c"], "channels": 1, "mean": [0.5], "std": [0.5]},
     "conv1_w has shape (6, 3, 5, 5)"),                                 # the parameters are of a colour network
]


@pytest.mark.parametrize("block, words", BAD)
def test_a_damaged_format_block_is_one_line_naming_the_file(tmp_path, block, words):
    trainer = colour_trainer()
    save_checkpoint(tmp_path / "good.npz", trainer.state())
    arrays = members((tmp_path / "good.npz").read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    path = tmp_path / "bad.npz"
    path.write_bytes(with_meta(arrays, {**meta, "data": block}))
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message and words in message, message


def test_formats_check_themselves():
    with pytest.raises(FormatError):
        DataFormat(3, 32, 32, ("a", "b"), (0.5,), (0.3,))
    assert COLOUR.describe() == "3×32×32 colour images in 3 classes"
    assert DataFormat.from_dict(COLOUR.as_dict()) == COLOUR
    assert COLOUR.same_network(DataFormat(3, 32, 32, COLOUR.classes, (0.1,) * 3, (0.9,) * 3))   # numbers aside
    assert not COLOUR.same_network(MNIST) and MNIST.mismatch(MNIST) == ""

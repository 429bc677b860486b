"""--arch on the command line and in checkpoints: a network other than LeNet-5 trains, is saved
with its spec and loads back into the same network; bad specs end in one line, exit 2."""
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.fuzz import BUNDLED, members, with_meta
from simulator import cli, cli_args
from simulator.engine.arch import LENET5, LENET5_SPEC, build
from simulator.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from simulator.engine.config import TrainConfig
from simulator.engine.model import Network
from simulator.engine.trainer import Trainer
from test_cli import assert_one_line_error, main_py

SPEC = "conv4k3s2p1-tanh-avgpool2-conv8k3-relu-fc16-relu-fc10"


def run_cli(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("spec, words", [
    ("conv6k5-relu-maxpool2-conv16k13-fc10", ["conv2: (12 − 13 + 2·0)/1 + 1 = 0", "12×12"]),
    ("conv6k5-relu-bogus-fc10", ["'bogus' is not a layer", "conv{filters}k{kernel}"]),
    ("conv6k5-relu-fc84", ["fc84", "fc10"]),
    ("conv6k5-relu", ["must end in fc10"]),
    ("conv6k5-fc20-conv3k3-fc10", ["conv2", "after a dense layer"]),
    ("conv8k5s2p2-maxpool15-fc10", ["pool1: (14 − 15)/15 + 1 = 0.93", "window is larger"]),
    ("-".join(["conv256k1"] * 13) + "-fc10", ["2,609,162 values per image", "at most 1,000,000"]),
])
@pytest.mark.parametrize("command", ["train", "lecture", "app"])
def test_bad_specs_are_one_line_exit_2(command, spec, words, capsys):
    status, err = run_cli(capsys, command, "--arch", spec)
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_bad_spec_in_a_fresh_process_and_in_the_headless_fallback():
    assert_one_line_error(main_py("train", "--arch", "conv6k5-relu-maxpool2-conv16k13-fc10"),
                          "--arch: conv2: (12 − 13 + 2·0)/1 + 1 = 0: the kernel is larger than its 12×12 input")
    assert_one_line_error(main_py("--arch", "conv16k29-fc10"), "conv1: (28 − 29 + 2·0)/1 + 1 = 0")


def test_activation_and_pool_flags_switch_the_spec():
    """--pool on a spec without pooling changes nothing; --activation switches every activation."""
    config = cli.train_config(cli_args.build_parser().parse_args(
        ["train", "--arch", "conv4k3-relu-fc16-relu-fc10", "--activation", "tanh", "--pool", "avg"]))
    assert config.arch == "conv4k3-tanh-fc16-tanh-fc10"


def test_help_documents_the_grammar():
    text = cli_args.build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for word in ("--arch SPEC", "conv{filters}k{kernel}[s{stride}][p{padding}]", "maxpool{size}[s{stride}]",
                 "fc10", "conv6k5p2-relu"):
        assert word in " ".join(text.split()).replace("- ", "-"), word


def test_train_another_network_saves_its_spec_and_resumes_only_into_it(tmp_path, mnist_dir, capsys):
    out = tmp_path / "run"
    status, err = run_cli(capsys, "train", "--arch", SPEC, "--activation", "sigmoid", "--epochs", "1",
                          "--subset", "300", "--batch-size", "50", "--data", mnist_dir, "--out", out)
    assert status == 0, err
    state = load_checkpoint(out / "checkpoint.npz")
    spec = build(SPEC).with_kinds("sigmoid").spec
    assert state["config"]["arch"] == spec
    assert {k: v.shape for k, v in state["params"].items()} == build(spec).param_shapes
    status, err = run_cli(capsys, "train", "--resume", out / "checkpoint.npz", "--epochs", "1", "--subset", "300",
                          "--batch-size", "50", "--data", mnist_dir, "--out", tmp_path / "again")
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1 and LENET5_SPEC in lines[0], err
    assert f"resume with --arch {spec}" in lines[0], err
    status, err = run_cli(capsys, "train", "--resume", out / "checkpoint.npz", "--arch", spec, "--epochs", "1",
                          "--subset", "300", "--batch-size", "50", "--data", mnist_dir, "--out", tmp_path / "again")
    assert status == 0 and "resumed" in err and f"network: {spec} (" in err, err


def test_checkpoint_round_trip_of_another_network(tmp_path, mnist):
    trainer = Trainer(TrainConfig(arch=SPEC, pool="max", batch_size=16, seed=3), mnist.subset(64, 16))
    trainer.train_step()
    path = tmp_path / "c.npz"
    save_checkpoint(path, trainer.state())
    state = load_checkpoint(path)
    assert state["config"]["arch"] == build(SPEC).with_kinds(pool="max").spec == trainer.config.arch
    model = Network(TrainConfig(**state["config"]).model_config(), state["params"])
    x = trainer.test_x[:5]
    np.testing.assert_array_equal(model.forward(x).outputs["logits"], trainer.model.forward(x).outputs["logits"])
    fresh = Trainer(TrainConfig(batch_size=16), mnist.subset(64, 16))
    fresh.load_state(state)
    assert fresh.config.arch == trainer.config.arch and fresh.step_count == 1
    for k, v in trainer.model.params.items():
        np.testing.assert_array_equal(fresh.model.params[k], v)


def test_checkpoint_spec_that_does_not_build_or_does_not_fit_its_params_is_refused(tmp_path):
    arrays = members(BUNDLED.read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    path = tmp_path / "c.npz"
    cases = [("conv6k5-relu-maxpool2-conv16k13-fc10", "(12 − 13 + 2·0)/1 + 1 = 0"),
             ("conv6k3p1-relu-maxpool2-conv16k5-relu-maxpool2-fc120-relu-fc84-relu-fc10", "conv1_w"),
             ("conv6k5p2-relu-maxpool2-conv16k5-relu-maxpool2-fc120-relu-fc10", "fc3"),
             ("fc10", "param/conv1_b"), (7, "arch")]
    for spec, word in cases:
        path.write_bytes(with_meta(arrays, {**meta, "config": {**meta["config"], "arch": spec}}))
        with pytest.raises(CheckpointError) as e:
            load_checkpoint(path)
        message = str(e.value)
        assert "\n" not in message and message.startswith(str(path)) and word in message, message


def test_a_checkpoint_from_before_specs_is_lenet5_with_its_kinds(tmp_path):
    old = Path(__file__).parent / "data" / "lenet5-before-specs.npz"   # the model bundled until 2026-12-06
    arrays = members(old.read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    assert "arch" not in meta["config"]              # it predates specs
    assert load_checkpoint(old)["config"]["arch"] == LENET5.with_kinds(
        meta["config"]["activation"], meta["config"]["pool"]).spec
    path = tmp_path / "c.npz"
    path.write_bytes(with_meta(arrays, {**meta, "config": {**meta["config"], "activation": "tanh", "pool": "avg"}}))
    assert load_checkpoint(path)["config"]["arch"] == LENET5.with_kinds("tanh", "avg").spec

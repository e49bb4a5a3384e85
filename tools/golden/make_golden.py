#!/usr/bin/python3
"""PyTorch golden fixtures for backprop's Java engine.

Run from anywhere (Debian's python3-torch 1.13, not a pyenv python):

    /usr/bin/python3 tools/golden/make_golden.py [OUT_DIR]

Writes src/test/resources/golden/*.safetensors, or OUT_DIR/*.safetensors (check_reproducible.sh compares such a
fresh run with the committed files); the format of every file is described in tools/golden/README.md.
Deterministic: every case seeds torch from its own name, one CPU thread, so a re-run on the same machine and torch
build reproduces the files byte for byte.
"""
import sys
import zlib
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))
from safetensors_format import save as save_safetensors  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "src" / "test" / "resources" / "golden"
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
WRITTEN = []


def write(name, tensors, metadata):
    path = OUT / (name + ".safetensors")
    save_safetensors(path, tensors, metadata)
    WRITTEN.append(path)


def seed(name):
    """Each case seeds from its own name, so adding or reordering cases leaves the others unchanged."""
    torch.manual_seed(zlib.crc32(name.encode("utf-8")))


def f32(x):
    return x.detach().clone().float()


# ---------------------------------------------------------------------------------------------------------------
# Layers: input, parameters and buffers by their PyTorch names, output, grad_output, grad_input, grad_<param>.

def layer_case(name, module, x, meta, mode="train", buffers_init=None):
    seed(name)
    module = module()  # constructed after seeding: the initialisation is part of the case
    x = x()
    if buffers_init:
        buffers_init(module)
    module.train(mode == "train")
    tensors = {"input": f32(x)}
    for pname, p in module.named_parameters():
        tensors[pname] = f32(p)
    buffers_before = {bname: b.detach().clone() for bname, b in module.named_buffers()}
    for bname, b in buffers_before.items():
        tensors[bname] = b
    x = x.detach().clone().requires_grad_(True)
    out = module(x)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)
    tensors["output"] = f32(out)
    tensors["grad_output"] = f32(grad_output)
    tensors["grad_input"] = f32(x.grad)
    for pname, p in module.named_parameters():
        tensors["grad_" + pname] = f32(p.grad)
    for bname, b in module.named_buffers():
        tensors[bname + "_after"] = b.detach().clone()
    if isinstance(module, (nn.Dropout, nn.Dropout2d)):
        tensors["mask"] = dropout_mask(module, out)
    write("layer_" + name, tensors, {"kind": "layer", "case": name, "mode": mode, **meta})


def dropout_mask(module, out):
    """The float 0/1 keep mask PyTorch drew. Inputs are continuous random, so out == 0 exactly where dropped."""
    kept = (out != 0)
    if isinstance(module, nn.Dropout2d):  # one decision per (n, c) channel: shape [N, C, 1, 1]
        kept = kept.flatten(2).any(dim=2)[:, :, None, None]
    return kept.float()


def conv(name, n, cin, cout, k, s, p, bias, hw):
    layer_case(
        name,
        lambda: nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=bias),
        lambda: torch.randn(n, cin, hw, hw),
        {"layer": "Conv2d", "in_channels": cin, "out_channels": cout, "kernel": k, "stride": s,
         "padding": p, "bias": str(bias).lower(),
         "java": f"new Conv2d({cin}, {cout}, {k}, {s}, {p}, {str(bias).lower()}, rng)"})


def depthwise(name, n, c, k, s, p, bias, hw):
    layer_case(
        name,
        lambda: nn.Conv2d(c, c, k, stride=s, padding=p, groups=c, bias=bias),
        lambda: torch.randn(n, c, hw, hw),
        {"layer": "DepthwiseConv2d", "channels": c, "kernel": k, "stride": s, "padding": p, "groups": c,
         "bias": str(bias).lower(), "java": f"new DepthwiseConv2d({c}, {k}, {s}, {p}, {str(bias).lower()}, rng)"})


def randomise_bn(module):
    with torch.no_grad():
        module.weight.copy_(torch.rand_like(module.weight) + 0.5)
        module.bias.copy_(torch.randn_like(module.bias) * 0.5)
        module.running_mean.copy_(torch.randn_like(module.running_mean) * 0.5)
        module.running_var.copy_(torch.rand_like(module.running_var) + 0.5)
        module.num_batches_tracked.fill_(7)


def layers():
    conv("conv2d_k3_s1_p0_bias", 2, 3, 4, 3, 1, 0, True, 7)
    conv("conv2d_k3_s2_p1_nobias", 2, 3, 4, 3, 2, 1, False, 9)
    conv("conv2d_k1_s1_p0", 2, 4, 3, 1, 1, 0, True, 5)
    conv("conv2d_k5_s1_p2", 2, 2, 3, 5, 1, 2, True, 7)
    conv("conv2d_first_layer", 4, 1, 8, 3, 1, 0, True, 28)
    # Wide enough for one sample to fill a product alone, 4 input channels or more: Conv2d's shifted windows.
    conv("conv2d_shifted_k3_p1", 2, 4, 5, 3, 1, 1, True, 20)
    conv("conv2d_shifted_k5_p2_nobias", 2, 5, 4, 5, 1, 2, False, 18)
    depthwise("depthwise_k3_p0_bias", 2, 4, 3, 1, 0, True, 12)
    depthwise("depthwise_k3_p0_nobias", 2, 4, 3, 1, 0, False, 12)
    depthwise("depthwise_k3_p1_bias", 2, 4, 3, 1, 1, True, 12)
    depthwise("depthwise_k3_p1_nobias", 2, 4, 3, 1, 1, False, 12)
    depthwise("depthwise_k3_s2_p1_bias", 3, 5, 3, 2, 1, True, 11)

    for mode in ("train", "eval"):
        layer_case(f"batchnorm2d_{mode}", lambda: nn.BatchNorm2d(3), lambda: torch.randn(4, 3, 5, 5) * 2 + 1,
                   {"layer": "BatchNorm2d", "channels": 3, "eps": "1e-05", "momentum": "0.1",
                    "java": "new BatchNorm2d(3)"}, mode=mode, buffers_init=randomise_bn)

    x4 = lambda: torch.randn(2, 3, 4, 5)
    layer_case("relu", nn.ReLU, x4, {"layer": "ReLU", "java": "new ReLU()"})
    layer_case("sigmoid", nn.Sigmoid, x4, {"layer": "Sigmoid", "java": "new Sigmoid()"})
    layer_case("flatten", nn.Flatten, x4, {"layer": "Flatten", "java": "new Flatten()"})
    for hw in (11, 8):
        layer_case(f"maxpool2d_k2_s2_{hw}x{hw}", lambda: nn.MaxPool2d(2, 2), lambda: torch.randn(2, 3, hw, hw),
                   {"layer": "MaxPool2d", "kernel": 2, "stride": 2, "java": "new MaxPool2d(2, 2)"})
    layer_case("avgpool2d_k3_s3_10x10", lambda: nn.AvgPool2d(3, 3), lambda: torch.randn(2, 3, 10, 10),
               {"layer": "AvgPool2d", "kernel": 3, "stride": 3, "java": "new AvgPool2d(3, 3)"})
    layer_case("global_avgpool2d", lambda: nn.AdaptiveAvgPool2d(1), lambda: torch.randn(2, 3, 5, 5),
               {"layer": "GlobalAvgPool2d", "output_shape": "N,C,1,1", "java": "new GlobalAvgPool2d()"})
    layer_case("dropout_p0.3", lambda: nn.Dropout(0.3), lambda: torch.randn(4, 3, 5, 5),
               {"layer": "Dropout", "p": "0.3", "mask_shape": "same as input", "java": "new Dropout(0.3, rng)"})
    layer_case("dropout2d_p0.5", lambda: nn.Dropout2d(0.5), lambda: torch.randn(4, 6, 3, 3),
               {"layer": "Dropout2d", "p": "0.5", "mask_shape": "N,C,1,1", "java": "new Dropout2d(0.5, rng)"})
    for bias in (True, False):
        b = str(bias).lower()
        layer_case(f"linear_{'bias' if bias else 'nobias'}", lambda: nn.Linear(6, 5, bias=bias),
                   lambda: torch.randn(4, 6),
                   {"layer": "Linear", "in_features": 6, "out_features": 5, "bias": b,
                    "java": f"new Linear(6, 5, {b}, rng)"})
    layer_case("log_softmax", lambda: nn.LogSoftmax(dim=1), lambda: torch.randn(4, 10) * 3,
               {"layer": "LogSoftmax", "dim": 1, "java": "new LogSoftmax()"})


# ---------------------------------------------------------------------------------------------------------------
# Losses: input, target, output (0-dim loss), grad_input (d loss / d input, upstream gradient 1).

def loss_case(name, make, fn, meta):
    seed(name)
    x, target = make()
    x = x.detach().clone().requires_grad_(True)
    out = fn(x, target)
    out.backward()
    write("loss_" + name, {"input": f32(x), "target": target, "output": f32(out), "grad_input": f32(x.grad)},
          {"kind": "loss", "case": name, **meta})


def losses():
    logits = lambda: torch.randn(6, 10) * 2
    labels = lambda: torch.randint(0, 10, (6,), dtype=torch.int64)
    loss_case("nll_mean", lambda: (F.log_softmax(logits(), dim=1), labels()),
              lambda x, t: F.nll_loss(x, t), {"loss": "NllLoss", "reduction": "mean", "input": "log_softmax output",
                                              "java": "new NllLoss()"})
    for ls in (0.0, 0.1):
        loss_case(f"cross_entropy_ls{ls}", lambda: (logits(), labels()),
                  lambda x, t: F.cross_entropy(x, t, label_smoothing=ls),
                  {"loss": "CrossEntropyLoss", "reduction": "mean", "label_smoothing": str(ls), "input": "logits",
                   "java": f"new CrossEntropyLoss({ls})"})
    loss_case("sum_squares", lambda: (torch.randn(4, 3), torch.randn(4, 3)),
              lambda x, t: 0.5 * ((x - t) ** 2).sum(),
              {"loss": "SumSquaresLoss", "formula": "0.5 * sum((input - target)^2)", "java": "new SumSquaresLoss()"})


# ---------------------------------------------------------------------------------------------------------------
# ref15k: one SGD training step of the whole model, then the losses of ten steps on the same batch.

def ref15k():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.BatchNorm2d(cout)]

    return nn.Sequential(
        *block(1, 8), *block(8, 16), *block(16, 16),  # 0-8
        nn.MaxPool2d(2), nn.Dropout(0.0),  # 9, 10 (p = 0.05 in the real model; 0 here so the step is deterministic)
        *block(16, 16), *block(16, 16), *block(16, 16),  # 11-19
        nn.Dropout(0.0),  # 20
        *block(16, 32),  # 21-23
        nn.Conv2d(32, 10, 1), nn.AvgPool2d(3), nn.Flatten(), nn.LogSoftmax(dim=1))  # 24-27


def state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def training_step():
    seed("ref15k")
    model = ref15k()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == 15738, trainable
    x = torch.randn(8, 1, 28, 28)
    y = torch.randint(0, 10, (8,), dtype=torch.int64)
    lr, momentum = 0.01, 0.9
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    model.train()
    before = state(model)
    losses, grads, output = [], {}, None
    for step in range(10):
        out = model(x)
        loss = F.nll_loss(out, y)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            output = f32(out)
            grads = {"grad." + n: f32(p.grad) for n, p in model.named_parameters()}
        opt.step()
        if step == 0:
            after = state(model)
        losses.append(loss.item())
    meta = {"kind": "training_step", "model": "ref15k", "trainable_parameters": trainable, "optimizer": "SGD",
            "lr": str(lr), "momentum": str(momentum), "dropout": "0", "loss": "nll_loss mean", "mode": "train"}
    write("ref15k_step", {**before, "input": x, "target": y, "output": output,
                          "loss": torch.tensor(losses[0], dtype=torch.float32), **grads,
                          "losses": torch.tensor(losses, dtype=torch.float32)}, meta)
    write("ref15k_step_after", after, {**meta, "contents": "state_dict after one optimizer.step()"})


def ten_losses(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    losses = []
    for _ in range(10):
        loss = F.nll_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


SPREAD_RUNS = 16


def training_step_spread():
    """How much float32 rounding alone moves the ten losses of training_step: the same model, batch and optimizer,
    every initial parameter moved by one ulp in a random direction, SPREAD_RUNS times. The largest |loss - loss of
    the unperturbed run| per step is the error model of Ref15kGoldenStepTest's losses."""
    seed("ref15k")
    model = ref15k()
    x = torch.randn(8, 1, 28, 28)
    y = torch.randint(0, 10, (8,), dtype=torch.int64)
    initial = state(model)
    reference = ten_losses(model, x, y)
    seed("ref15k_spread")
    spread = torch.zeros(10, dtype=torch.float64)
    for _ in range(SPREAD_RUNS):
        model.load_state_dict(initial)
        with torch.no_grad():
            for p in model.parameters():
                up = torch.rand(p.shape) < 0.5
                p.copy_(torch.where(up, torch.nextafter(p, torch.full_like(p, float("inf"))),
                                    torch.nextafter(p, torch.full_like(p, float("-inf")))))
        losses = ten_losses(model, x, y)
        spread = torch.maximum(spread, (torch.tensor(losses, dtype=torch.float64)
                                        - torch.tensor(reference, dtype=torch.float64)).abs())
    write("ref15k_step_spread", {"losses": torch.tensor(reference, dtype=torch.float64), "spread": spread},
          {"kind": "training_step_spread", "model": "ref15k", "runs": str(SPREAD_RUNS),
           "perturbation": "every initial parameter one ulp up or down at random",
           "contents": "losses of ten SGD steps (lr 0.01, momentum 0.9) as in ref15k_step, and per step the largest "
                       "|loss - losses| over the perturbed runs"})


# ---------------------------------------------------------------------------------------------------------------
# Optimizers: three parameter tensors, five gradients each, the parameters after each step.

STEPS = 5
SHAPES = [(3, 4), (5,), (2, 1, 3)]


def optimizer_case(name, make, meta):
    seed(name)
    params = [torch.randn(s) for s in SHAPES]
    grads = [torch.randn((STEPS,) + s) for s in SHAPES]
    tensors = {f"p{i}": f32(p) for i, p in enumerate(params)}
    params = [nn.Parameter(p) for p in params]
    opt = make(params)
    after = [[] for _ in params]
    for k in range(STEPS):
        for i, p in enumerate(params):
            p.grad = grads[i][k].clone()
        opt.step()
        for i, p in enumerate(params):
            after[i].append(f32(p))
    for i in range(len(params)):
        tensors[f"p{i}.grads"] = grads[i]
        tensors[f"p{i}.after"] = torch.stack(after[i])
    write("optim_" + name, tensors, {"kind": "optimizer", "case": name, "steps": STEPS, "params": len(params), **meta})


def optimizers():
    sgd = lambda lr, m=0.0, d=0.0, nest=False, wd=0.0: (
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=m, dampening=d, nesterov=nest, weight_decay=wd),
        {"optimizer": "SGD", "lr": str(lr), "momentum": str(m), "dampening": str(d), "nesterov": str(nest).lower(),
         "weight_decay": str(wd)})
    optimizer_case("sgd_plain", *sgd(0.1))
    optimizer_case("sgd_momentum", *sgd(0.1, 0.9))
    optimizer_case("sgd_nesterov", *sgd(0.1, 0.9, nest=True))
    optimizer_case("sgd_momentum_wd", *sgd(0.1, 0.9, wd=5e-4))
    optimizer_case("sgd_dampening", *sgd(0.1, 0.9, d=0.1))

    def adam(cls, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
        return (lambda ps: cls(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd),
                {"optimizer": cls.__name__, "lr": str(lr), "beta1": str(b1), "beta2": str(b2), "eps": str(eps),
                 "weight_decay": str(wd)})

    optimizer_case("adam_default", *adam(torch.optim.Adam))
    optimizer_case("adam_wd", *adam(torch.optim.Adam, wd=0.01))
    optimizer_case("adam_custom", *adam(torch.optim.Adam, lr=0.01, b1=0.8, b2=0.99, eps=1e-6))
    optimizer_case("adamw", *adam(torch.optim.AdamW, wd=0.01))
    optimizer_case("adamw_lr0.01", *adam(torch.optim.AdamW, lr=0.01, wd=0.1))


# ---------------------------------------------------------------------------------------------------------------
# Schedules: lr[k] (and momentum[k]) as the optimizer sees them after k scheduler.step() calls, i.e. before the
# (k+1)-th optimizer.step(); PyTorch order per batch: optimizer.step(), then scheduler.step().

def schedule_case(name, make_opt, make_sched, steps, meta, trajectory=False):
    seed(name)
    p = nn.Parameter(torch.randn(6))
    initial = f32(p)
    opt = make_opt([p])
    sched = make_sched(opt)
    grads = torch.randn(steps, 6)
    lrs, moms, after = [], [], []
    for k in range(steps + 1):
        group = opt.param_groups[0]
        lrs.append(group["lr"])
        moms.append(group["betas"][0] if "betas" in group else group.get("momentum", 0.0))
        if k == steps:
            break
        p.grad = grads[k].clone()
        opt.step()
        sched.step()
        after.append(f32(p))
    tensors = {"lr": torch.tensor(lrs, dtype=torch.float64), "momentum": torch.tensor(moms, dtype=torch.float64)}
    if trajectory:
        tensors.update({"p0": initial, "p0.grads": grads, "p0.after": torch.stack(after)})
    write("sched_" + name, tensors, {"kind": "schedule", "case": name, "steps": steps, **meta})


def schedules():
    sgd = lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)
    for step_size, gamma in ((10, 0.1), (7, 0.5)):
        schedule_case(f"steplr_s{step_size}_g{gamma}", sgd,
                      lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=step_size, gamma=gamma), 30,
                      {"schedule": "StepLR", "per": "epoch", "optimizer": "SGD", "lr": "0.1", "momentum": "0.9",
                       "step_size": step_size, "gamma": str(gamma)})

    def one_cycle(name, make_opt, opt_meta, anneal="cos", **kw):
        total = kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]
        schedule_case(name, make_opt,
                      lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, anneal_strategy=anneal, **kw),
                      total, {"schedule": "OneCycleLR", "per": "batch", **opt_meta, "max_lr": "0.05",
                              "total_steps": total, "pct_start": "0.3", "anneal_strategy": anneal,
                              "div_factor": "25.0", "final_div_factor": "10000.0", "cycle_momentum": "true",
                              "base_momentum": "0.85", "max_momentum": "0.95",
                              **{k: str(v) for k, v in kw.items()}}, trajectory=True)

    sgd_meta = {"optimizer": "SGD", "lr": "0.1", "momentum": "0.9"}
    adam = lambda ps: torch.optim.Adam(ps, lr=1e-3)
    adam_meta = {"optimizer": "Adam", "lr": "0.001", "beta1": "0.9", "beta2": "0.999", "eps": "1e-08"}
    one_cycle("onecycle_sgd_100", sgd, sgd_meta, total_steps=100)
    one_cycle("onecycle_adam_100", adam, adam_meta, total_steps=100)
    one_cycle("onecycle_sgd_epochs3x7", sgd, sgd_meta, epochs=3, steps_per_epoch=7)
    one_cycle("onecycle_sgd_linear_100", sgd, sgd_meta, anneal="linear", total_steps=100)


# ---------------------------------------------------------------------------------------------------------------
# A file for the Java reader's own test: known values in every dtype the reader converts.

def reader_fixture():
    write("safetensors_python", {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5,
        "f64": torch.tensor([0.1, -2.5, 1e300], dtype=torch.float64),
        "i64": torch.tensor([-1, 0, 2 ** 40, -(2 ** 62)], dtype=torch.int64),
        "i32": torch.tensor([[-7], [2 ** 31 - 1]], dtype=torch.int32),
        "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "bf16": torch.tensor([1.0, -2.0, 0.15625], dtype=torch.bfloat16),
        "f16": torch.tensor([1.0, -0.5, 65504.0], dtype=torch.float16),
        "scalar": torch.tensor(3.25, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }, {"writer": "tools/golden/make_golden.py", "torch": torch.__version__})


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    OUT.mkdir(parents=True, exist_ok=True)
    reader_fixture()
    layers()
    losses()
    training_step()
    training_step_spread()
    optimizers()
    schedules()
    total = sum(p.stat().st_size for p in WRITTEN)
    print(f"wrote {len(WRITTEN)} files, {total} bytes, into {OUT}")


if __name__ == "__main__":
    main()

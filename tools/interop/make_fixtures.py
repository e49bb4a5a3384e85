#!/usr/bin/python3
"""PyTorch's side of the safetensors interop tests (dev.backprop.train.PyTorchInteropTest). Run with Debian's
python3-torch, which has no safetensors package (the files are written by safetensors_format.py, beside this):

    /usr/bin/python3 tools/interop/make_fixtures.py [OUT_DIR]

Writes into src/test/resources/interop/ (or OUT_DIR):
  pytorch_small.safetensors           the state_dict of the nn.Sequential twin of SMALL_ARCH (tools/reference's
                                      arch parser), trained for a few SGD steps, its BatchNorm statistics and affine
                                      parameters then moved well away from their initial values; saved as
                                      safetensors.torch.save_file(model.state_dict(), path, {"format": "pt"}) does
  pytorch_small_expected.safetensors  "input" [6, 1, 28, 28] and "output" [6, 10], the eval-mode log-probabilities
                                      PyTorch computes for it in float32; metadata "arch"
  state_dicts.txt                     for every architecture in ARCHS, the names, dtypes and shapes of its
                                      nn.Sequential's state_dict: what load_state_dict(strict=True) demands
Deterministic: torch is seeded from the CRC-32 of SMALL_ARCH and runs on one thread.
"""
import sys
import zlib
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "reference"))
from safetensors_format import DTYPES, save  # noqa: E402
from train_mnist import build  # noqa: E402

SMALL_ARCH = "c4p1 m c8nb dd0.1 a3 fc10"
# The zoo (dev.backprop.models.Zoo) and the layers it lacks; the Java test fails, naming the model, when a zoo
# architecture is missing here.
ARCHS = [
    "c8 c16 c16 m d0.05 c16 c16 c16 d0.05 c32 conv10k1 a3",
    "c4p1 c8p1 m d0.05 c16p1 c24p1 m d0.05 c32p1 gap fc10",
    "c8 c16 m c8k1 c16 c32 c32 gap fc10",
    "c8p1 d0.05 c16p1 d0.05 c16 d0.05 m c16 d0.05 c16 d0.05 c32 d0.05 m c16k1 d0.05 gap fc10",
    "c8nb c10nb c12nb m c12nb c12nb c12nb c16nb conv10k1 gap",
    "c10nb dwnb c20k1nb dwnb c20k1nb m dwnb c26k1nb dwnb c26k1nb dwnb c26k1nb dwnb c26k1nb conv10k1 gap",
    "c8nb c16nb c20nb m d0.05 c16nb c16nb c20nb d0.05 c32nb conv10k1 a3",
    "c8p1nb dd0.1 conv12k3s2 relu bn m3 a2 d0.1 fc16r fc10",
    "c8 dwnb c12k1nb m dwk5p2 c16k1nb dwconvs2 conv10k1 gap",
    SMALL_ARCH,
]


def small_model():
    torch.manual_seed(zlib.crc32(SMALL_ARCH.encode("utf-8")))
    model = build(SMALL_ARCH)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    model.train()
    for _ in range(5):
        optimizer.zero_grad()
        torch.nn.functional.nll_loss(model(images), labels).backward()
        optimizer.step()
    with torch.no_grad():
        for module in model:
            if isinstance(module, torch.nn.BatchNorm2d):
                std = module.running_var.sqrt()
                module.running_mean += 0.5 * (torch.rand_like(std) - 0.5) * std
                module.running_var *= 0.5 + 1.5 * torch.rand_like(std)
                module.weight *= 0.5 + torch.rand_like(std)
                module.bias += 0.6 * (torch.rand_like(std) - 0.5)
    model.eval()
    return model


def main():
    torch.set_num_threads(1)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[1] / "src" / "test" / "resources" / "interop"
    out.mkdir(parents=True, exist_ok=True)
    model = small_model()
    save(out / "pytorch_small.safetensors", model.state_dict(), {"format": "pt"})
    inputs = torch.randn(6, 1, 28, 28)
    with torch.no_grad():
        outputs = model(inputs)
    save(out / "pytorch_small_expected.safetensors", {"input": inputs, "output": outputs},
         {"arch": SMALL_ARCH, "torch": torch.__version__})
    lines = [f"# nn.Sequential state_dict names, dtypes and shapes, written by tools/interop/make_fixtures.py "
             f"with torch {torch.__version__}"]
    for arch in ARCHS:
        lines += ["", "arch " + arch]
        lines += [f"{name} {DTYPES[t.dtype]} {list(t.shape)}" for name, t in build(arch).state_dict().items()]
    (out / "state_dicts.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote pytorch_small.safetensors, pytorch_small_expected.safetensors and state_dicts.txt into {out}")


if __name__ == "__main__":
    main()

"""The PyTorch peer of benches/bench.sh: the same models as models/resnet.cfg (ResNet-20/56)
and models/vgg.cfg, as a PyTorch user would write them, trained or run for inference on the
same synthetic batch as paddlers' harness (runtime-cli/benches/net_throughput.rs).

Same layers as the configs' graphs (`paddlers dump_config` shows them):
- resnet: conv3x3 (no bias) -> BN -> ReLU; basic blocks of two, with a 1x1 conv + BN
  projection where the channel count changes; ReLU after the add; 8x8 average pooling;
  fc 10 (with bias) and softmax cross-entropy summed over the batch.
- vgg: five groups of conv3x3 (with bias) -> BN -> ReLU (dropout 0.3/0.4 where the config has
  drop_rate) and 2x2 max pooling; dropout 0.5, fc 512, BN, ReLU, dropout 0.5, fc 512, fc 10.
Same initialization (Paddle's smart init: N(0, 1/fan_in) weights, zero biases, BN scale 1),
same optimizer (SGD, momentum 0.9, L2 decay 0.0005*128, learning rate 0.1/128 on the summed
cost, as the configs' settings()), same batch.

Layouts: `nchw` (eager, PyTorch's default), `cl` (eager, model and input in channels_last),
`compile` (torch.compile of the NCHW model, default mode; compilation is in the warm-up).

Prints one line: `images_per_s=<f> peak_rss_mib=<f>`.

    benches/.venv/bin/python benches/torch_peer.py --model resnet20 --mode train --layout cl
"""

import argparse
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def paddle_init(module):
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            nn.init.normal_(m.weight, 0.0, 1.0 / math.sqrt(fan_in))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def conv_bn(ch_in, ch_out, k, stride, pad, relu=True, bias=False, drop=0.0):
    layers = [nn.Conv2d(ch_in, ch_out, k, stride, pad, bias=bias),
              nn.BatchNorm2d(ch_out, eps=1e-5, momentum=0.1)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    if drop:
        layers.append(nn.Dropout(drop))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, ch_in, ch_out, stride):
        super().__init__()
        self.a = conv_bn(ch_in, ch_out, 3, stride, 1)
        self.b = conv_bn(ch_out, ch_out, 3, 1, 1, relu=False)
        self.short = (conv_bn(ch_in, ch_out, 1, stride, 0, relu=False)
                      if ch_in != ch_out else nn.Identity())

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.short(x))


class ResNetCifar(nn.Module):
    def __init__(self, depth):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = conv_bn(3, 16, 3, 1, 1)
        blocks, ch = [], 16
        for features, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(n):
                blocks.append(BasicBlock(ch, features, stride if i == 0 else 1))
                ch = features
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(self.conv1(x))
        x = F.avg_pool2d(x, 8, 1)
        return self.fc(x.flatten(1))


class Vgg(nn.Module):
    def __init__(self):
        super().__init__()
        groups = [(64, [0.3, 0]), (128, [0.4, 0]), (256, [0.4, 0.4, 0]),
                  (512, [0.4, 0.4, 0]), (512, [0.4, 0.4, 0])]
        layers, ch = [], 3
        for filters, drops in groups:
            for d in drops:
                layers.append(conv_bn(ch, filters, 3, 1, 1, bias=True, drop=d))
                ch = filters
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(512, 512), nn.BatchNorm1d(512), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(512, 512), nn.Linear(512, 10))

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def build(name):
    if name.startswith("resnet"):
        return ResNetCifar(int(name[len("resnet"):]))
    if name == "vgg":
        return Vgg()
    raise SystemExit(f"unknown model {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--mode", choices=["train", "infer"], default="train")
    ap.add_argument("--layout", choices=["nchw", "cl", "compile"], default="nchw")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32",
                    help="bf16: autocast (float32 weights; batch norm stays float32)")
    args = ap.parse_args()
    torch.manual_seed(1)
    dev = torch.device(args.device)
    if args.device == "cuda":
        torch.backends.cudnn.benchmark = True

    model = build(args.model)
    paddle_init(model)
    model = model.to(dev)
    x = torch.randn(args.batch, 3, 32, 32, device=dev)
    y = torch.randint(10, (args.batch,), device=dev)
    amp = torch.autocast(args.device, dtype=torch.bfloat16, enabled=args.dtype == "bf16")
    if args.layout == "cl":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    run = torch.compile(model) if args.layout == "compile" else model

    if args.mode == "train":
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.1 / 128, momentum=0.9,
                              weight_decay=0.0005 * 128)

        def step():
            with amp:
                loss = F.cross_entropy(run(x).float(), y, reduction="sum")
            opt.zero_grad(set_to_none=False)
            loss.backward()
            opt.step()
            return loss.item()
    else:
        model.eval()

        def step():
            with torch.inference_mode(), amp:
                return run(x).argmax(1)[0].item()

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"images_per_s={args.iters * args.batch / seconds:.2f} peak_rss_mib={rss:.1f}")


if __name__ == "__main__":
    main()

"""The safetensors format (huggingface/safetensors) in a few lines, for Debian's python3-torch, which has no
safetensors package: an 8-byte little-endian header length, a JSON header
{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}} padded with spaces to a multiple
of 8 bytes, then the tensors' little-endian bytes. save() writes what safetensors.torch.save_file writes (bar the
order of the header's keys, which no reader depends on); load() reads any such file.
"""
import json
import struct

import numpy as np
import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8"}
NUMPY = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def save(path, tensors, metadata=None):
    """tensors: {name: torch.Tensor} in file order; metadata: {str: str}."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.view(torch.int16) if t.dtype == torch.bfloat16 else t  # numpy has no bfloat16
        data = raw.numpy().astype(raw.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load(path):
    """({name: torch.Tensor} in file order, {str: str} metadata) of a safetensors file (BF16 not supported)."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data, dtype=NUMPY[info["dtype"]], count=(end - begin) // np.dtype(NUMPY[info["dtype"]])
                              .itemsize, offset=8 + length + begin)
        tensors[name] = torch.from_numpy(array.astype(array.dtype.newbyteorder("="))).reshape(info["shape"])
    return tensors, metadata

"""Read and write safetensors files with numpy only (F32, F16, BF16).

File layout: u64 little-endian header length N, N bytes of JSON (padded with spaces to a multiple of 8),
then the tensor bytes. Offsets in the header are relative to the start of the data section.
BF16 has no numpy dtype: it is kept as uint16 bit patterns and widened to float32 on read.
"""
import json
import struct

import numpy as np

DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2}
HEADER_ALIGN = 8
MAX_HEADER_BYTES = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    pass


def float32_to_bf16_bits(values):
    """Round-to-nearest-even float32 → bfloat16, returned as uint16 bit patterns (NaN stays NaN)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + np.uint32(0x7FFF)
    rounded = ((bits + rounding) >> 16).astype(np.uint16)
    nan = np.isnan(values)
    rounded[nan] = np.uint16(0x7FC0)
    return rounded


def bf16_bits_to_float32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def encode_tensor(array, dtype):
    """Bytes of `array` in the safetensors dtype (little endian, C order)."""
    array = np.asarray(array)
    if dtype == "F32":
        return np.ascontiguousarray(array, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(array, dtype="<f2").tobytes()
    if dtype == "BF16":
        return float32_to_bf16_bits(array.astype(np.float32)).astype("<u2").tobytes()
    raise SafetensorsError(f"unsupported dtype {dtype!r} (F32, F16, BF16)")


def pack(tensors, dtype="F32", metadata=None):
    """(header bytes including the length prefix, data bytes) for a {name: array} mapping.

    Tensors keep the mapping's order; every tensor uses `dtype` (a {name: dtype} dict is also accepted).
    """
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks, offset = [], 0
    for name, array in tensors.items():
        kind = dtype[name] if isinstance(dtype, dict) else dtype
        blob = encode_tensor(array, kind)
        header[name] = {"dtype": kind, "shape": [int(s) for s in np.shape(array)],
                        "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-(len(text) + 8)) % HEADER_ALIGN)
    return struct.pack("<Q", len(text)) + text, b"".join(chunks)


def write(path, tensors, dtype="F32", metadata=None):
    head, data = pack(tensors, dtype, metadata)
    with open(path, "wb") as f:
        f.write(head)
        f.write(data)


def parse_header(blob, where="safetensors"):
    """(header dict without __metadata__, metadata dict, data offset); validates every entry."""
    if len(blob) < 8:
        raise SafetensorsError(f"{where}: file is {len(blob)} bytes, shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", blob[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(blob):
        raise SafetensorsError(f"{where}: header length {length} runs past the end of the file ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SafetensorsError(f"{where}: header is not valid JSON ({err})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{where}: header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    data_size = len(blob) - 8 - length
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) < {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(f"{where}: tensor {name!r} lacks dtype/shape/data_offsets")
        kind = entry["dtype"]
        if kind not in DTYPE_BYTES:
            raise SafetensorsError(f"{where}: tensor {name!r} has unsupported dtype {kind!r}")
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if not 0 <= begin <= end <= data_size or end - begin != count * DTYPE_BYTES[kind]:
            raise SafetensorsError(f"{where}: tensor {name!r} offsets {begin}..{end} do not fit its shape "
                                   f"{entry['shape']} {kind} or the data section ({data_size} bytes)")
    return header, metadata, 8 + length


def read(path, as_float32=True):
    """({name: numpy array}, metadata dict). Arrays are float32 unless as_float32 is False
    (then F16 stays float16 and BF16 stays as uint16 bit patterns)."""
    with open(path, "rb") as f:
        blob = f.read()
    header, metadata, start = parse_header(blob, str(path))
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        raw = blob[start + begin:start + end]
        kind = entry["dtype"]
        if kind == "F32":
            array = np.frombuffer(raw, dtype="<f4")
        elif kind == "F16":
            array = np.frombuffer(raw, dtype="<f2")
        else:
            array = np.frombuffer(raw, dtype="<u2")
            if as_float32:
                array = bf16_bits_to_float32(array)
        if as_float32:
            array = array.astype(np.float32)
        tensors[name] = array.reshape(entry["shape"])
    return tensors, metadata


def data_section(path):
    """The raw tensor bytes (everything after the header) of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    _, _, start = parse_header(blob, str(path))
    return blob[start:]

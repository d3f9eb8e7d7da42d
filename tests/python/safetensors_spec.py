"""The safetensors format read and written from its spec alone (huggingface/safetensors README), with
the standard library only: an anchor for models/safetensors_io.py that shares none of its code.
"""
import json
import struct

# 8 bytes: N, an unsigned little-endian 64-bit integer; N bytes: a UTF-8 JSON object, each tensor name
# mapping to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the byte buffer that follows,
# which they must cover entirely, without holes or overlaps), plus an optional "__metadata__" object of
# strings; then the byte buffer, little-endian, C order.
SPEC_FORMATS = {"F32": ("<f", 4), "F16": ("<e", 2), "BF16": ("<H", 2)}


def spec_read(blob):
    """({name: (dtype, shape, [values as Python floats])}, metadata); asserts every rule above."""
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    buffer = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()), metadata
    spans, tensors = [], {}
    for name, entry in header.items():
        assert set(entry) == {"dtype", "shape", "data_offsets"}, entry
        fmt, size = SPEC_FORMATS[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = 1
        for dim in entry["shape"]:
            count *= dim
        assert end - begin == count * size, (name, entry)
        spans.append((begin, end))
        raw = buffer[begin:end]
        values = [v for (v,) in struct.iter_unpack(fmt, raw)]
        if entry["dtype"] == "BF16":  # the upper half of a float32
            values = [struct.unpack("<f", struct.pack("<I", bits << 16))[0] for bits in values]
        tensors[name] = (entry["dtype"], list(entry["shape"]), values)
    position = 0
    for begin, end in sorted(spans):
        assert begin == position, f"hole or overlap at byte {position} of the buffer"
        position = end
    assert position == len(buffer), f"{len(buffer) - position} bytes past the last tensor"
    return tensors, metadata


def spec_write(path, entries, metadata=None, pad=0):
    """A file from {name: (dtype, shape, [values])} built by hand, header padded with `pad` spaces."""
    header, buffer = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, values) in entries.items():
        fmt, _ = SPEC_FORMATS[dtype]
        raw = b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"data_offsets": [len(buffer), len(buffer) + len(raw)], "shape": shape, "dtype": dtype}
        buffer += raw
    text = json.dumps(header).encode("utf-8") + b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + buffer)

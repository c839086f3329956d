"""Convert a CTranslate2 Whisper folder (such as the packaged tiny.en) into a Hugging Face Whisper
folder, so the transformers backend can be measured on the very same weights.

CTranslate2's ``model.bin`` is a flat list of named tensors (the format
``ctranslate2.specs.ModelSpec._serialize`` writes); the names map one to one onto
``WhisperForConditionalGeneration``'s, except that self-attention holds q, k and v fused in one
matrix, cross-attention k and v fused, and the key projections carry a zero bias that Hugging
Face leaves out.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

DTYPES = ("float32", "int8", "int16", "int32", "float16")


def read_ct2(path: Path) -> dict[str, np.ndarray]:
    """Every variable of a CTranslate2 ``model.bin``, as float32 (or int) arrays."""
    data = path.read_bytes()
    at = 0

    def take(fmt: str):
        nonlocal at
        (value,) = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal at
        size = take("H")
        at += size
        return data[at - size : at - 1].decode()

    take("I")  # binary version
    text()  # spec name
    take("I")  # revision
    variables = {}
    for _ in range(take("I")):
        name = text()
        shape = [take("I") for _ in range(take("B"))]
        dtype = DTYPES[take("B")]
        size = take("I")
        array = np.frombuffer(data, dtype=dtype, count=size // np.dtype(dtype).itemsize, offset=at)
        variables[name] = array.reshape(shape).astype(np.float32 if dtype == "float16" else dtype)
        at += size
    for _ in range(take("I")):
        alias, target = text(), text()
        variables[alias] = variables[target]
    return variables


def hf_state(v: dict[str, np.ndarray], layers: int) -> dict[str, np.ndarray]:
    """The Hugging Face state dict for CTranslate2 Whisper variables ``v``."""
    state = {}

    def linear(hf: str, ct2: str) -> None:
        state[f"{hf}.weight"] = v[f"{ct2}/weight"]
        if f"{ct2}/bias" in v:
            state[f"{hf}.bias"] = v[f"{ct2}/bias"]

    def norm(hf: str, ct2: str) -> None:
        state[f"{hf}.weight"], state[f"{hf}.bias"] = v[f"{ct2}/gamma"], v[f"{ct2}/beta"]

    def fused(hf: str, ct2: str, names: tuple[str, ...]) -> None:
        weights = np.split(v[f"{ct2}/weight"], len(names))
        biases = np.split(v[f"{ct2}/bias"], len(names))
        for name, weight, bias in zip(names, weights, biases, strict=True):
            state[f"{hf}.{name}.weight"] = weight
            if name != "k_proj":  # Hugging Face's key projections have no bias (CT2's are 0)
                state[f"{hf}.{name}.bias"] = bias

    for side in ("encoder", "decoder"):
        state[f"model.{side}.embed_positions.weight"] = v[f"{side}/position_encodings/encodings"]
        norm(f"model.{side}.layer_norm", f"{side}/layer_norm")
        for i in range(layers):
            hf, ct2 = f"model.{side}.layers.{i}", f"{side}/layer_{i}"
            fused(
                f"{hf}.self_attn", f"{ct2}/self_attention/linear_0", ("q_proj", "k_proj", "v_proj")
            )
            linear(f"{hf}.self_attn.out_proj", f"{ct2}/self_attention/linear_1")
            norm(f"{hf}.self_attn_layer_norm", f"{ct2}/self_attention/layer_norm")
            linear(f"{hf}.fc1", f"{ct2}/ffn/linear_0")
            linear(f"{hf}.fc2", f"{ct2}/ffn/linear_1")
            norm(f"{hf}.final_layer_norm", f"{ct2}/ffn/layer_norm")
            if side == "decoder":
                linear(f"{hf}.encoder_attn.q_proj", f"{ct2}/attention/linear_0")
                fused(f"{hf}.encoder_attn", f"{ct2}/attention/linear_1", ("k_proj", "v_proj"))
                linear(f"{hf}.encoder_attn.out_proj", f"{ct2}/attention/linear_2")
                norm(f"{hf}.encoder_attn_layer_norm", f"{ct2}/attention/layer_norm")
    for n in (1, 2):
        linear(f"model.encoder.conv{n}", f"encoder/conv{n}")
    state["model.decoder.embed_tokens.weight"] = v["decoder/embeddings/weight"]
    state["proj_out.weight"] = v["decoder/embeddings/weight"]
    return state


def convert(ct2_folder: Path, out: Path) -> Path:
    """Write a Hugging Face Whisper folder (model, tokenizer, feature extractor) to ``out``."""
    import torch
    from transformers import (  # type: ignore[attr-defined]  # lazily exported, not in stubs
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )

    v = read_ct2(ct2_folder / "model.bin")
    ct2_config = json.loads((ct2_folder / "config.json").read_text())
    layers = sum(1 for name in v if name.endswith("/self_attention/linear_1/weight")) // 2
    vocab, width = v["decoder/embeddings/weight"].shape
    heads = int(v["encoder/num_heads"])
    end = "<|endoftext|>"
    tokenizer = WhisperTokenizerFast(tokenizer_file=str(ct2_folder / "tokenizer.json"),
                                     unk_token=end, bos_token=end, eos_token=end)  # fmt: skip
    start = tokenizer.convert_tokens_to_ids("<|startoftranscript|>")
    config = WhisperConfig(
        vocab_size=vocab, d_model=width, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads,
        encoder_ffn_dim=4 * width, decoder_ffn_dim=4 * width, num_mel_bins=80,
        max_source_positions=1500, max_target_positions=448, decoder_start_token_id=start,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True,
    )  # fmt: skip
    model = WhisperForConditionalGeneration(config)
    state = {k: torch.from_numpy(np.ascontiguousarray(a)) for k, a in hf_state(v, layers).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "proj_out" not in m]:
        raise ValueError(f"weights do not match: missing {missing}, unexpected {unexpected}")
    model.generation_config = GenerationConfig(
        decoder_start_token_id=start, eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id, max_length=448,
        no_timestamps_token_id=tokenizer.convert_tokens_to_ids("<|notimestamps|>"),
        suppress_tokens=ct2_config.get("suppress_ids", []),
        begin_suppress_tokens=ct2_config.get("suppress_ids_begin", []),
        forced_decoder_ids=[[1, tokenizer.convert_tokens_to_ids("<|notimestamps|>")]],
        is_multilingual=False,
    )  # fmt: skip
    WhisperProcessor(WhisperFeatureExtractor(feature_size=80), tokenizer).save_pretrained(out)
    model.save_pretrained(out)
    return out

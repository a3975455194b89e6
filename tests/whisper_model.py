"""A tiny faster-whisper model, made from nothing (no download, no torch): numpy weights
written with CTranslate2's own model spec, and a tokenizer built with `tokenizers`.

It is a real CTranslate2 Whisper model that faster-whisper loads and runs like any other
(the encoder reads the recording's log-mel features; the decoder decodes with beam search,
timestamps and every rule faster-whisper applies), but it was never trained: it recognises
nothing. Its weights are small deterministic random numbers, except for a few set by hand so
that what it writes is known in advance and says which model ran and in which language it was
asked to transcribe::

    <name> <language>        e.g. "tiny-general cy"

- the decoder's learned position embeddings give each output position its own direction;
  the output projection maps "position 3" to the model's name token, "position 4" to a
  language word, then a closing timestamp and <|endoftext|>;
- the language token (prompt position 1) is carried forward by one self-attention head that
  every later position attends to, so position 4 writes " en" after <|en|> and " cy" after
  <|cy|>: the language faster-whisper was asked for, read by the model itself.

What the tests can prove with it: that the bot ran faster-whisper on the recording, with the
model directory and the language it should have chosen, and stored what came out. They cannot
prove anything about recognition quality (that needs a trained model).

The vocabulary has the multilingual Whisper layout (51,865 ids: text tokens, then
<|endoftext|>, <|startoftranscript|>, 99 language tokens, the task and other special tokens,
then 1,501 timestamps): CTranslate2 treats a Whisper vocabulary that large as multilingual,
and faster-whisper only passes a language other than English to a multilingual model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from ctranslate2.specs import whisper_spec
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

D_MODEL = 64
HEADS = 2
FFN = 128
N_MELS = 80
ENCODER_POSITIONS = 1500  # 30 s of 10 ms frames, halved by the second convolution
DECODER_POSITIONS = 448
N_TEXT = 50257  # ids of text tokens, as in GPT-2 / Whisper
# Whisper's 99 languages, in its order: <|en|> is 50259, <|cy|> 50297
WHISPER_LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no"
    " th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw"
    " gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl"
    " mg as tt haw ln ha ba jw su"
)
LANGUAGES = WHISPER_LANGUAGES.split()
SPECIALS = ["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{c}|>" for c in LANGUAGES]
SPECIALS += [
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
]
TIMESTAMPS = [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
VOCABULARY = N_TEXT + len(SPECIALS) + len(TIMESTAMPS)  # 51865
EOT = N_TEXT
TIMESTAMP_BEGIN = N_TEXT + len(SPECIALS)
SPOKEN = {"en": " en", "cy": " cy"}  # the word the model writes for each language it hears
LANGUAGE_DIM = {"en": D_MODEL - 2, "cy": D_MODEL - 1}  # where the language travels


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-level alphabet: every byte as one printable character."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def _byte_level(text: str) -> str:
    alphabet = _bytes_to_unicode()
    return "".join(alphabet[b] for b in text.encode("utf-8"))


def _text_vocabulary(words: list[str]) -> list[str]:
    """50,257 text tokens: the 256 bytes, the words this model writes, then fillers."""
    tokens = list(_bytes_to_unicode().values())
    tokens += [_byte_level(w) for w in words]
    tokens += [f"tok{i}" for i in range(N_TEXT - len(tokens) - 1)]
    tokens.append("")  # CTranslate2 takes a Whisper vocabulary with an empty token as multilingual
    assert len(set(tokens)) == N_TEXT
    return tokens


def _tokenizer(words: list[str]) -> Tokenizer:
    """A byte-level BPE tokenizer (no merges: the model's words are whole tokens) with
    Whisper's special tokens and timestamps after the text tokens, as faster-whisper reads."""
    vocab = {token: i for i, token in enumerate(_text_vocabulary(words))}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in SPECIALS])
    tokenizer.add_tokens([AddedToken(t, special=False) for t in TIMESTAMPS])
    assert tokenizer.get_vocab_size() == VOCABULARY
    return tokenizer


def build(folder: Path, name: str, seed: int = 0) -> Path:
    """Write a tiny faster-whisper model to `folder`, which says "<name> <language>" (or,
    when `name` is "", nothing at all: a timestamp, then <|endoftext|>)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words = [f" {name or 'silent'}", *SPOKEN.values()]
    tokenizer = _tokenizer(words)
    ids = {w: tokenizer.token_to_id(_byte_level(w)) for w in words}
    lang_ids = {c: tokenizer.token_to_id(f"<|{c}|>") for c in LANGUAGES}
    d = D_MODEL

    def noise(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def norm(spec: Any) -> None:
        spec.gamma = np.ones(d, np.float32)
        spec.beta = np.zeros(d, np.float32)

    def linear(spec: Any, out: int, inp: int) -> None:
        spec.weight = noise(out, inp)
        spec.bias = np.zeros(out, np.float32)

    spec = whisper_spec.WhisperSpec(1, HEADS, 1, HEADS)
    enc = spec.encoder
    enc.conv1.weight = noise(d, N_MELS, 3)
    enc.conv1.bias = np.zeros(d, np.float32)
    enc.conv2.weight = noise(d, d, 3)
    enc.conv2.bias = np.zeros(d, np.float32)
    enc.position_encodings.encodings = noise(ENCODER_POSITIONS, d)
    norm(enc.layer_norm)
    for layer in enc.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, FFN, d)
        linear(layer.ffn.linear_1, d, FFN)

    dec = spec.decoder
    # what each output position writes: prompt <|startoftranscript|> <|xx|> <|transcribe|>
    # (positions 0-2), then <|0.00|> name language <|1.00|> <|endoftext|>
    script = {2: TIMESTAMP_BEGIN, 3: ids[words[0]], 5: TIMESTAMP_BEGIN + 50, 6: EOT}
    if not name:
        script = {2: TIMESTAMP_BEGIN, 3: EOT}
    slot = {position: position for position in range(8)}  # position p -> dimension p
    positions = noise(DECODER_POSITIONS, d)
    for position, dim in slot.items():
        positions[position, dim] += 1.0
    dec.position_encodings.encodings = positions
    embeddings = noise(VOCABULARY, d)
    for code, dim in LANGUAGE_DIM.items():
        embeddings[lang_ids[code], dim] += 1.0
    dec.embeddings.weight = embeddings
    norm(dec.layer_norm)
    projection = noise(VOCABULARY, d)
    for position, token in script.items():
        projection[token, slot[position]] += 4.0
    for code, dim in LANGUAGE_DIM.items() if name else ():  # position 4: the language
        projection[ids[SPOKEN[code]], slot[4]] += 4.0
        projection[ids[SPOKEN[code]], dim] += 2.0  # weaker than a position: an AND
    dec.projection.weight = projection

    [layer] = dec.layer
    norm(layer.self_attention.layer_norm)
    # head 0 of the self-attention: every position attends to position 1 (the language
    # token) and copies the language dimensions into the residual stream
    head = d // HEADS
    qkv = noise(3 * d, d)
    qkv_bias = np.zeros(3 * d, np.float32)
    qkv[0:head] = 0.0
    qkv_bias[0] = 20.0  # query: constant
    qkv[d : d + head] = 0.0
    qkv[d, slot[1]] = 20.0  # key: "I am position 1"
    qkv[2 * d : 2 * d + head] = 0.0
    for i, dim in enumerate(LANGUAGE_DIM.values()):
        qkv[2 * d + i, dim] = 1.0  # value: the language dimensions
    layer.self_attention.linear[0].weight = qkv
    layer.self_attention.linear[0].bias = qkv_bias
    out = noise(d, d)
    out[:, :head] = 0.0
    for i, dim in enumerate(LANGUAGE_DIM.values()):
        out[dim, i] = 0.18  # about as strong as a position
    layer.self_attention.linear[1].weight = out
    layer.self_attention.linear[1].bias = np.zeros(d, np.float32)
    norm(layer.attention.layer_norm)
    linear(layer.attention.linear[0], d, d)
    linear(layer.attention.linear[1], 2 * d, d)
    linear(layer.attention.linear[2], d, d)
    norm(layer.ffn.layer_norm)
    linear(layer.ffn.linear_0, FFN, d)
    linear(layer.ffn.linear_1, d, FFN)

    spec.config.suppress_ids = []
    spec.config.suppress_ids_begin = [tokenizer.token_to_id("Ġ"), EOT]
    spec.config.lang_ids = sorted(lang_ids.values())
    spec.config.alignment_heads = [(0, h) for h in range(HEADS)]
    spec.register_vocabulary([tokenizer.id_to_token(i) for i in range(VOCABULARY)])
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(folder))
    tokenizer.save(str(folder / "tokenizer.json"))
    preprocessor = {"feature_size": N_MELS, "sampling_rate": 16000, "hop_length": 160}
    (folder / "preprocessor_config.json").write_text(json.dumps(preprocessor) + "\n")
    return folder

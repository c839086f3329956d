import json
from pathlib import Path

import pytest

from callqa.models.transcript import Recognition, Redaction, Transcript, Turn
from callqa.pipelines import console
from callqa.pipelines.readers import ReadError, read_transcript


def read(name: str, content: str | bytes):
    raw = content.encode() if isinstance(content, str) else content
    return read_transcript(Path(name), raw, "call-1")[0]


def test_plain_text_prefix_variants_and_continuation_lines():
    tr = read(
        "c.txt",
        "Agent: Hello, how can I help?\nC: My card\nis blocked.\nRep: Okay.\n"
        "Caller: Thanks\nA: Bye",
    )
    assert [t.speaker for t in tr.turns] == ["agent", "customer", "agent", "customer", "agent"]
    assert tr.turns[1].text == "My card is blocked."
    assert not tr.timed and tr.source == "text"


def test_plain_text_timestamps_start_only_and_ranges():
    tr = read("c.txt", "[00:01] Agent: Hello there how are you\n[00:04.5] Customer: hi hi hi")
    assert (tr.turns[0].start, tr.turns[0].end) == (1.0, 4.5)  # ends where the next begins
    assert tr.turns[1].end == pytest.approx(4.5 + 3 * 0.6 + 2)
    held = read(
        "c.txt",
        "[00:20] Agent: great\n[01:08] Agent: okay so you've got eleven gig\n[01:12] Customer: yes",
    )
    assert held.turns[0].end == pytest.approx(20 + 0.6 + 2)  # then 45 s of silence
    ranged = read("c.txt", "[0:01-0:03] Agent: Hello\n[0:02-0:05] Customer: hi")
    assert (ranged.turns[1].start, ranged.turns[1].end) == (2.0, 5.0)


def test_webvtt_voice_tags_and_prefixes():
    vtt = (
        "WEBVTT\n\nNOTE exported\n\n00:00:01.000 --> 00:00:02.500\n<v Agent>Hello</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v.loud Customer>Hi there\n\n"
        "00:00:04.000 --> 00:00:05.000\nAgent: How can I help?\n"
    )
    tr = read("c.vtt", vtt)
    assert [(t.speaker, t.text, t.start, t.end) for t in tr.turns] == [
        ("agent", "Hello", 1.0, 2.5),
        ("customer", "Hi there", 3.0, 4.0),
        ("agent", "How can I help?", 4.0, 5.0),
    ]


def test_srt_with_prefix_and_bracket_speakers():
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hello\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\n[Customer] My order\nis late\n"
    )
    tr = read("c.srt", srt)
    assert [(t.speaker, t.text) for t in tr.turns] == [
        ("agent", "Hello"),
        ("customer", "My order is late"),
    ]
    assert tr.turns[1].start == 2.5


def test_callqa_json_with_words_and_metadata():
    doc = {
        "call_id": "abc",
        "metadata": {"agent_id": "a1"},
        "turns": [
            {
                "speaker": "agent",
                "text": "hi there",
                "start": 0,
                "end": 1,
                "words": [{"text": "hi", "start": 0, "end": 0.4, "confidence": 0.9}],
            },
            {"speaker": "Customer", "text": "hello", "start": 1.2, "end": 2},
        ],
    }
    tr, meta = read_transcript(Path("c.json"), json.dumps(doc).encode(), "ignored")
    assert tr.call_id == "abc" and meta == {"agent_id": "a1"}
    assert tr.turns[0].words[0].confidence == 0.9 and tr.turns[1].speaker == "customer"


def test_what_callqa_transcribe_writes_is_read_back_whole():
    made = Transcript(
        call_id="t1",
        turns=(Turn(speaker="agent", text="Your number is [PHONE].", start=0.0, end=2.0),
               Turn(speaker="customer", text="Thanks.", start=2.5, end=3.0)),
        source="asr:faster-whisper",
        speaker_method="stereo channels",
        redactions=(Redaction(turn=0, kind="PHONE", char_start=15, char_end=22, start=1, end=2),),
        recognition=Recognition(backend="faster-whisper", model="tiny.en", device="cpu",
                                compute_type="int8", beam_size=5),
    )  # fmt: skip
    written = console.transcript_as(made, "json").encode()
    read, _ = read_transcript(Path("t1.json"), written, "t1")
    assert read == made
    shown = json.loads(written) | {"speaker_method": "by ear"}
    with pytest.raises(ReadError, match="speaker_method"):
        read_transcript(Path("t1.json"), json.dumps(shown).encode(), "t1")


def _item(content, start, end, label=None, kind="pronunciation"):
    item = {"type": kind, "alternatives": [{"content": content, "confidence": "0.9"}]}
    if kind == "pronunciation":
        item |= {"start_time": str(start), "end_time": str(end)}
    if label:
        item["speaker_label"] = label
    return item


WINDOWS_TEXT = "Agent: Gr\u00fc\u00dfe, how can I help?\nCustomer: my card\n"


@pytest.mark.parametrize(
    "raw",
    [
        WINDOWS_TEXT.encode("utf-16"),  # little-endian, with its byte-order mark
        ("\ufeff" + WINDOWS_TEXT).encode("utf-16-be"),
        WINDOWS_TEXT.encode("utf-8-sig"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_text_saved_as_utf16_or_with_a_byte_order_mark_is_read(raw):
    tr = read("windows.txt", raw)
    assert [t.text for t in tr.turns] == ["Gr\u00fc\u00dfe, how can I help?", "my card"]


def test_a_doubled_byte_order_mark_is_dropped():
    tr = read("twice.txt", ("\ufeff" + WINDOWS_TEXT).encode("utf-8-sig"))
    assert tr.turns[0].speaker == "agent"


def test_invisible_characters_are_dropped_so_nothing_hides_behind_them():
    doc = {"turns": [{"speaker": "customer",
                      "text": "it's Jo\u200bhn Sm\u00adith, j\x01o@x.com \u202eevil"}]}  # fmt: skip
    tr = read("hidden.json", json.dumps(doc).encode())
    assert tr.turns[0].text == "it's John Smith, jo@x.com evil"
    doc["turns"][0]["text"] = "my social is 123\u034f-45-67\ufe0f89 \u3164"
    assert read("joiner.json", json.dumps(doc).encode()).turns[0].text == "my social is 123-45-6789"


def test_invisible_characters_in_a_speaker_label_do_not_hide_the_speaker():
    text = "Agent: How can I help?\n\u200bCust\u00adomer: my bill is wrong\n"
    tr = read("label.txt", text.encode())
    assert [t.speaker for t in tr.turns] == ["agent", "customer"]


def test_amazon_transcribe_speaker_labels_use_role_heuristic():
    items = [
        _item("hello", 0.0, 0.3, "spk_1"),
        _item("thanks", 0.5, 0.8, "spk_0"),
        _item("for", 0.8, 0.9, "spk_0"),
        _item("calling", 0.9, 1.2, "spk_0"),
        _item(",", 0, 0, kind="punctuation"),
        _item("hi", 1.5, 1.7, "spk_1"),
    ]
    doc = {"results": {"transcripts": [{"transcript": "x"}], "items": items}}
    tr = read("c.json", json.dumps(doc))
    assert [(t.speaker, t.text) for t in tr.turns] == [
        ("customer", "hello"),
        ("agent", "thanks for calling,"),
        ("customer", "hi"),
    ]
    assert tr.speaker_method == "role-heuristic" and tr.turns[1].words[2].end == 1.2


def test_amazon_transcribe_segments_and_channels():
    items = [_item("hello", 0.0, 0.3), _item("hi", 0.5, 0.8)]
    spk = {
        "results": {
            "items": items,
            "speaker_labels": {
                "segments": [
                    {"speaker_label": "spk_0", "start_time": "0.0", "end_time": "0.3"},
                    {"speaker_label": "spk_1", "start_time": "0.5", "end_time": "0.8"},
                ]
            },
        }
    }
    assert [t.speaker for t in read("c.json", json.dumps(spk)).turns] == ["agent", "customer"]
    chans = {
        "results": {
            "items": items,
            "channel_labels": {
                "channels": [
                    {"channel_label": "ch_1", "items": [items[0]]},
                    {"channel_label": "ch_0", "items": [items[1]]},
                ]
            },
        }
    }
    tr = read("c.json", json.dumps(chans))
    assert [(t.speaker, t.channel) for t in tr.turns] == [("customer", 1), ("agent", 0)]
    assert tr.speaker_method == "channel"


def test_amazon_call_analytics():
    doc = {
        "Transcript": [
            {
                "ParticipantRole": "AGENT",
                "Content": "Hello.",
                "BeginOffsetMillis": 0,
                "EndOffsetMillis": 900,
                "Items": [
                    {
                        "Content": "Hello",
                        "BeginOffsetMillis": 0,
                        "EndOffsetMillis": 800,
                        "Confidence": 0.99,
                        "Type": "pronunciation",
                    },
                    {"Content": ".", "Type": "punctuation"},
                ],
            },
            {
                "ParticipantRole": "CUSTOMER",
                "Content": "Hi",
                "BeginOffsetMillis": 1000,
                "EndOffsetMillis": 1500,
            },
        ]
    }
    tr = read("c.json", json.dumps(doc))
    assert tr.source == "amazon-call-analytics"
    assert [(t.speaker, t.start, t.end) for t in tr.turns] == [
        ("agent", 0, 0.9),
        ("customer", 1.0, 1.5),
    ]
    assert len(tr.turns[0].words) == 1


BAD = [
    ("empty.txt", b"", "empty file"),
    ("blank.json", b"  \n ", "empty file"),
    ("junk.json", bytes(range(256)) * 4, "binary content"),
    ("latin1.txt", "Agent: Gr\u00fc\u00dfe".encode("latin-1"), "not UTF-8"),
    ("torn16.txt", "Agent: hi".encode("utf-16")[:-1], "not UTF-16"),
    ("blank16.txt", " \n".encode("utf-16"), "empty file"),
    ("bad.json", b'{"turns": [', "invalid JSON"),
    ("other.json", b'{"hello": 1}', "unrecognised JSON"),
    ("nolabel.txt", b"hello there\nhow are you", "missing speaker label"),
    ("who.txt", b"Agent: hi\nBob: hello", "unknown speaker name 'B\\*\\*'"),
    ("mixed.txt", b"[00:01] Agent: hi\nCustomer: hello", "some lines have timestamps"),
    (
        "zero.json",
        b'{"turns": [{"speaker": "agent", "text": "hi", "start": 1, "end": 1}]}',
        "zero-length",
    ),
    ("nospeaker.json", b'{"turns": [{"text": "hi"}]}', "missing 'speaker'"),
    (
        "blankturns.json",
        b'{"turns": [{"speaker": "agent", "text": "  "}]}',
        "no speech, only blank",
    ),
    (
        "agentonly.txt",
        b"Agent: hello?\nCustomer: [noise]\nAgent: I can't hear you, goodbye",
        "no customer speech",
    ),
    ("notext.json", b'{"turns": [{"speaker": "agent"}]}', "turn 1: missing 'text'"),
    (
        "nulltext.json",
        b'{"turns": [{"speaker": "agent", "text": null}]}',
        "turn 1: 'text' must be a string, not null",
    ),
    (
        "listtext.json",
        b'{"turns": [{"speaker": "agent", "text": []}]}',
        "turn 1: 'text' must be a string, not a list",
    ),
    (
        "numtext.json",
        b'{"turns": [{"speaker": "agent", "text": 0}]}',
        "turn 1: 'text' must be a string, not a number",
    ),
    ("utf32.txt", "Agent: hi".encode("utf-32"), "UTF-32 text"),
    ("nul16.txt", "Agent: hi\x00".encode("utf-16"), "binary content"),
    ("latenul.txt", b"Agent: hi\n" * 1000 + b"Customer: \x00", "binary content"),
    ("noturns.json", b'{"turns": []}', "no speaker turns"),
    ("extra.json", b'{"turns": [], "colour": 1}', "unknown top-level field"),
    ("novoice.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nhello\n", "missing speaker"),
    ("notvtt.vtt", b"hello\n", "no 'WEBVTT' header"),
    ("broken.srt", b"1\n00:00:01,000 --> \nAgent: hi\n", "malformed SRT"),
    ("audio.mp4", b"\x00\x00\x00 ftyp", "unsupported file type"),
    (
        "nolabels.json",
        b'{"results": {"items": [{"type": "pronunciation", "start_time": "0",'
        b' "end_time": "1", "alternatives": [{"content": "hi"}]}]}}',
        "no speaker or channel",
    ),
]


@pytest.mark.parametrize(("name", "raw", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_reason(name, raw, reason):
    with pytest.raises(ReadError, match=reason.replace("(", r"\(").replace("'", "'")):
        read(name, raw)


@pytest.mark.parametrize(
    ("suffix", "content", "texts"),
    [
        (".txt", "Agent: hello <unk> there [noise]\nCustomer: [laughter]\nCustomer: (inaudible) "
                 "my card [crosstalk] is lost\n",
         ["hello there", "my card is lost"]),
        (".vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Agent>Hello, how can I help?\n\n"
                 "00:02.000 --> 00:03.000\n<v Customer><unk>\n\n"
                 "00:03.000 --> 00:05.000\n<v Customer>I lost my card [noise]\n",
         ["Hello, how can I help?", "I lost my card"]),
        (".srt", "1\n00:00:00,000 --> 00:00:02,000\nAgent: Hello\n\n"
                 "2\n00:00:02,000 --> 00:00:03,000\nCustomer: [cough]\n\n"
                 "3\n00:00:03,000 --> 00:00:04,000\n[Customer] Hi <unk>\n",
         ["Hello", "Hi"]),
        (".json", '{"turns": [{"speaker": "agent", "text": "Hello"}, {"speaker": "customer", '
                  '"text": " "}, {"speaker": "customer", "text": "Hi"}]}',
         ["Hello", "Hi"]),  # a blank turn, as exports of silence have
    ],
)  # fmt: skip
def test_blank_turns_and_non_speech_markers_are_dropped_and_never_quarantine_the_call(
    tmp_path, suffix, content, texts
):
    path = tmp_path / f"call{suffix}"
    path.write_text(content)
    transcript, _ = read_transcript(path, path.read_bytes(), "call")
    assert [t.text for t in transcript.turns] == texts


def test_a_call_of_markers_only_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Agent: [noise]\nCustomer: <unk>\n")
    with pytest.raises(ReadError, match="no speech, only blank turns or markers"):
        read_transcript(path, path.read_bytes(), "call")


def test_the_unknown_speaker_that_transcribe_writes_is_read_back():
    doc = {"turns": [{"speaker": "agent", "text": "hello"},
                     {"speaker": "unknown", "text": "hi there"}]}  # fmt: skip
    assert [t.speaker for t in read("u.json", json.dumps(doc).encode()).turns] == [
        "agent", "unknown"]  # fmt: skip


def test_customer_service_is_the_agent_side():
    tr = read("desk.txt", b"Customer Service: How can I help?\nCaller: my bill is wrong\n")
    assert [t.speaker for t in tr.turns] == ["agent", "customer"]

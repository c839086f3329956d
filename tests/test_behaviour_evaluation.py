"""Loaders of the dialogue data sets on small fixtures in their published formats, and the
utterance-level scoring of the detectors."""

import json

import pytest

from callqa.evaluation import dialogue, harper_valley
from callqa.evaluation.behaviour_tasks import cue_scores, score_epitome
from callqa.qa_rules.behaviours.base import is_question


def test_swda_and_mrda_lines_get_the_other_speakers_last_words(tmp_path):
    swda = tmp_path / "val_set.txt"
    swda.write_text(
        "A|My card got declined.|sd\nB|Uh-huh.|b\nB|Which card?|qw\nA|The blue one.|sd\n"
    )
    utterances = dialogue.load_pipe_separated(swda, (2,))
    assert [u.context for u in utterances] == ["", "My card got declined.", "My card got declined.",
                                               "Which card?"]  # fmt: skip
    assert utterances[1].tags == {"b"}
    mrda = tmp_path / "mrda.txt"
    mrda.write_text("me1|so you mean the red one?|Q|qy|bu\nme2|yes.|S|s|aa\n")
    first, second = dialogue.load_pipe_separated(mrda, (3, 4))
    assert first.tags == {"qy", "bu"} and second.context == "so you mean the red one?"


def test_pipe_loader_names_a_short_line(tmp_path):
    (tmp_path / "x.txt").write_text("A|hello\n")
    with pytest.raises(ValueError, match=r"x.txt:1: expected 3"):
        dialogue.load_pipe_separated(tmp_path / "x.txt", (2,))


def test_esconv_supporter_turns_follow_the_seekers_words(tmp_path):
    dialog = [
        {"text": "Hi, how can I help?", "speaker": "sys", "strategy": "Question"},
        {"text": "I lost my job.", "speaker": "usr"},
        {
            "text": "That sounds really hard.",
            "speaker": "sys",
            "strategy": "Reflection of feelings",
        },
    ]
    (tmp_path / "valid.json").write_text(json.dumps({"dialog": dialog}) + "\n")
    first, second = dialogue.load_esconv(tmp_path)
    assert first.context == "" and second.context == "I lost my job."
    assert second.tags == {"Reflection of feelings"}
    (tmp_path / "bad.json").write_text("{not json\n")
    with pytest.raises(ValueError, match="bad.json:1"):
        dialogue.load_esconv(tmp_path / "bad.json")


def test_annomi_therapist_utterances_follow_the_client(tmp_path):
    header = "transcript_id,interlocutor,utterance_text,main_therapist_behaviour\n"
    rows = (
        "1,therapist,Hi.,other\n1,client,I drink too much.,n/a\n"
        "1,therapist,What worries you?,question\n"
    )
    (tmp_path / "AnnoMI-simple.csv").write_text(header + rows + "2,therapist,Hello.,other\n")
    utterances = dialogue.load_annomi(tmp_path)
    assert [(u.context, u.text) for u in utterances] == [
        ("", "Hi."), ("I drink too much.", "What worries you?"), ("", "Hello."),
    ]  # fmt: skip


def epitome_folder(tmp_path):
    header = "sp_id,rp_id,seeker_post,response_post,level,rationales\n"
    rows = [
        ("I failed my exam and I feel awful.", "I'm so sorry, that sounds really hard.", 2, 1, 0),
        ("My dog died yesterday.", "What happened to him?", 0, 0, 2),
        ("Nobody listens to me.", "Go outside.", 0, 0, 0),
    ]
    for column, file in enumerate(dialogue_files()):
        lines = [
            f'p{i},r{i},"{s}","{r}",{levels[column]},\n' for i, (s, r, *levels) in enumerate(rows)
        ]
        (tmp_path / file).write_text(header + "".join(lines))
    return tmp_path


def dialogue_files():
    return [
        "emotional-reactions-reddit.csv",
        "interpretations-reddit.csv",
        "explorations-reddit.csv",
    ]


@pytest.mark.slow
def test_epitome_levels_score_against_the_labels(tmp_path):
    n, metrics = score_epitome(epitome_folder(tmp_path), None)
    assert n == 9
    assert metrics["ER_recall"] == 1.0  # the empathic reply is found
    assert metrics["EX_recall"] == 1.0  # so is the exploring question
    assert 0 <= metrics["macro_f1"] <= 1


@pytest.mark.slow
def test_cue_scores_count_hits_and_misses():
    utterances = [
        dialogue.Utterance("My card was declined.", "I'm so sorry about that.", frozenset({"fa"})),
        dialogue.Utterance("It broke.", "Okay.", frozenset({"b"})),
        dialogue.Utterance("Hello.", "The weather is nice.", frozenset({"sd"})),
        dialogue.Utterance("Hi.", "My apologies for the wait.", frozenset({"sd"})),
    ]
    cues = {"apology": ({"fa"}, {"apology"}), "acknowledge": ({"b"}, {"acknowledgement"})}
    n, metrics = cue_scores(utterances, cues)
    assert n == 4
    assert metrics["apology_recall"] == 1.0 and metrics["apology_precision"] == 0.5
    assert metrics["acknowledge_f1"] == 1.0 and metrics["acknowledge_support"] == 1
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 1) / 2)


def test_harper_valley_turns_keep_their_dialog_acts(tmp_path):
    segments = [
        {"start_ms": 0, "duration_ms": 2000, "human_transcript": "hi how can i help you",
         "speaker_role": "agent", "channel_index": 2, "dialog_acts": ["gridspace_greeting"]},
        {"start_ms": 2500, "duration_ms": 500, "human_transcript": "[noise]",
         "speaker_role": "caller", "channel_index": 1, "dialog_acts": ["gridspace_other"]},
        {"start_ms": 3000, "duration_ms": 3000, "human_transcript": "i lost my card",
         "speaker_role": "caller", "channel_index": 1,
         "dialog_acts": ["gridspace_problem_description"]},
    ]  # fmt: skip
    (tmp_path / "data" / "transcript").mkdir(parents=True)
    (tmp_path / "data" / "metadata").mkdir()
    (tmp_path / "data" / "transcript" / "c1.json").write_text(json.dumps(segments))
    (tmp_path / "data" / "metadata" / "c1.json").write_text("{}")
    call, _ = harper_valley.load_call(tmp_path, "c1")
    acts = harper_valley.dialog_acts(tmp_path, "c1")
    assert [t.text for t in call.turns] == ["hi how can i help you", "i lost my card"]
    assert acts == [{"greeting"}, {"problem_description"}]


@pytest.mark.parametrize(
    "text, expected",
    [("Which card?", True), ("how can i help you", True), ("can you tell me the amount", True),
     ("I can help you.", False), ("how are you.", False), ("okay", False)],
)  # fmt: skip
def test_questions_are_found_with_or_without_punctuation(text, expected):
    assert is_question(text) is expected
